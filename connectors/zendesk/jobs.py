"""Zendesk's background jobs (`create_many`), polled together with `show_many` (§7.4)."""

from typing import Any

from connectors.batches import chunks
from connectors.zendesk.client import ZendeskClient
from momentos.errors import FatalApiError, RetriableError

SHOW_MANY_PATH = "/api/v2/job_statuses/show_many.json"
# Zendesk's show_many endpoints take 100 ids; the job-status page does not say (inferred).
SHOW_MANY_LIMIT = 100
FINISHED = ("completed", "failed")


def finished_jobs(body: dict[str, Any], asked: list[str]) -> dict[str, dict[str, Any]]:
    """The jobs of a show_many answer that are among `asked` and done working."""
    return {
        job["id"]: job
        for job in body.get("job_statuses") or []
        if job.get("id") in asked and job.get("status") in FINISHED
    }


def wait_for_jobs(
    client: ZendeskClient, job_ids: list[str], poll_seconds: float, attempts: int
) -> dict[str, dict[str, Any]]:
    """Every job's finished status, one show_many call per poll for all of them.

    The jobs' tickets may exist already, so no error here may read as "nothing was
    created": a 429 or a refusal becomes a `RetriableError`, and the outbox looks the
    tickets up by external id before sending any again.
    """
    done: dict[str, dict[str, Any]] = {}
    for attempt in range(1, attempts + 1):
        waiting = [job_id for job_id in job_ids if job_id not in done]
        for ids in chunks(waiting, SHOW_MANY_LIMIT):
            try:
                body = client.request_json("GET", SHOW_MANY_PATH, params={"ids": ",".join(ids)})
            except (RetriableError, FatalApiError) as exc:
                raise RetriableError(f"Zendesk jobs unread ({exc}); look their tickets up") from exc
            done.update(finished_jobs(body, ids))
        if len(done) == len(job_ids):
            return done
        if attempt < attempts:
            client.clock.sleep(poll_seconds)
    running = ", ".join(job_id for job_id in job_ids if job_id not in done)
    raise RetriableError(f"Zendesk jobs still running: {running}; look their tickets up")

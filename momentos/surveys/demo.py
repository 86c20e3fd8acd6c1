"""The demo's survey step: surveys go out, and some customers answer them.

The demo company has tickets solved in the last weeks; the worker's cycle has already
planned their surveys, and the dispatcher sends them by SMTP to the sandbox's mailbox.
Here a few customers open the link from their email and submit the real form over HTTP:
in each language, the first (by address) is unhappy and the second happy. Then one more
cycle turns the answers into recovery tickets, internal notes and tasks. Safe to run
again: the mailbox starts empty on each run, and an answered survey only says thanks.
"""

import html
import re
from typing import Any
from urllib.parse import urljoin

import requests

# What the customers write, by language and mood; the score is the scale's second lowest
# (unhappy) or its highest (happy), read from the form itself.
WORDS = {
    (
        "es",
        "unhappy",
    ): "Al final lo arreglasteis, pero tardasteis días y tuve que llamar dos veces.",
    ("es", "happy"): "Rapidísimos y muy amables. ¡Gracias!",
    ("en", "unhappy"): "It got fixed in the end, but it took days and nobody told us why.",
    ("en", "happy"): "Quick, friendly and clear. Thank you!",
}
MOODS = ("unhappy", "happy")
LINK = re.compile(r"https?://\S+/survey/\S+")
FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')
SCORE = re.compile(r'name="score" id="score-\d+" value="(\d+)"')
TIMEOUT = 10


def survey_mail(sandbox_url: str) -> list[dict[str, str]]:
    """Each survey the sandbox's mailbox received: recipient, language and link."""
    mail = requests.get(f"{sandbox_url}/_sandbox/mail", timeout=TIMEOUT)
    mail.raise_for_status()
    found = []
    for message in mail.json():
        link = LINK.search(message.get("text") or "")
        headers = dict(message.get("headers") or [])
        if link and message["to"]:
            language = headers.get("Content-Language", "")
            found.append({"to": message["to"][0], "language": language, "link": link.group(0)})
    return sorted(found, key=lambda m: m["to"])


def chosen(mails: list[dict[str, str]]) -> list[tuple[dict[str, str], str]]:
    """(mail, mood): in each language, the first recipient unhappy, the second happy."""
    picked = []
    for language in ("es", "en"):
        picked += zip([m for m in mails if m["language"] == language], MOODS, strict=False)
    return picked


def answer(link: str, language: str, mood: str) -> dict[str, Any]:
    """Open the survey as the customer would, then send its form."""
    with requests.Session() as browser:
        page = browser.get(link, timeout=TIMEOUT)
        action, scores = FORM_ACTION.search(page.text), SCORE.findall(page.text)
        if page.status_code != 200 or action is None or len(scores) < 2:
            return {"status": page.status_code}
        score = scores[1] if mood == "unhappy" else scores[-1]
        words = WORDS[(language, mood)]
        target = urljoin(page.url, html.unescape(action.group(1)))
        sent = browser.post(target, data={"score": score, "comment": words}, timeout=TIMEOUT)
        return {"status": sent.status_code, "score": int(score), "comment": words}


def follow_ups(store) -> dict[str, list[dict[str, Any]]]:
    """What the surveys led to, from the outbox: mail sent, then tickets, notes and tasks."""
    rows = [
        a for a in store.actions() if a["workflow"] in ("post_service_survey", "survey_followup")
    ]
    return {
        "surveys": [
            {"to": a["payload"]["to"], "language": a["payload"]["language"], "state": a["state"]}
            for a in rows
            if a["tool"] == "mail"
        ],
        "follow_ups": [
            {
                "tool": a["tool"],
                "kind": a["kind"],
                "state": a["state"],
                "url": a["remote_url"],
                "title": _title(a),
            }
            for a in rows
            if a["workflow"] == "survey_followup"
        ],
    }


def _title(action: dict[str, Any]) -> str:
    text = action["payload"].get("subject") or action["payload"].get("body") or ""
    return text.splitlines()[0] if text else ""


def run(engine, sandbox_url: str) -> dict[str, Any]:
    """Answer some of the surveys sent, follow up; returns what happened for the summary."""
    engine.process()  # surveys still due (sent at most once: the outbox key)
    answered = []
    for mail, mood in chosen(survey_mail(sandbox_url)):
        result = answer(mail["link"], mail["language"], mood)
        answered.append({"to": mail["to"], "language": mail["language"], **result})
    engine.process()  # survey_answered -> recovery tickets, notes, tasks
    return {"answered": answered, **follow_ups(engine.store)}

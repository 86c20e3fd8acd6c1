"""`momentos install-webhooks [--dry-run]`: make both tools call Momentos, idempotently.

Zendesk: one webhook named "Momentos", created or repaired to match, and its signing
secret kept in the store, encrypted. It is connected as `zendesk.webhook_connection` says:
subscribed to events, or called by the "Momentos: ticket changes" trigger, which is then
created or repaired too. One webhook, not one of each: Momentos verifies deliveries with
the one secret it stores, and both kinds would bring every ticket change twice.

HubSpot: the app's target URL and subscriptions set through the developer API when a
developer key and app id are configured; a legacy private app cannot do that over the API,
so the exact list is printed for its settings page.

Each run reads what exists, prints what differs, and changes only that (nothing with
`--dry-run`); a second run finds nothing to do. Secrets are never printed or logged.
"""

import sys
from typing import TextIO

from connectors.hubspot import subscriptions as hubspot_subs
from connectors.hubspot.subscriptions import WebhooksApi
from connectors.zendesk import subscriptions as zendesk_subs
from connectors.zendesk import triggers as zendesk_triggers
from connectors.zendesk.client import ZendeskClient
from connectors.zendesk.subscriptions import EVENTS_CONNECTION, TRIGGERS_CONNECTION
from momentos.errors import ConfigError
from momentos.secrets import ZENDESK_WEBHOOK_SECRET, SecretBox, require_box
from momentos.streams import properties_read

MANUAL_STEPS = (
    "hubspot: legacy private apps manage webhooks only in their settings: in HubSpot, open "
    "Settings > Integrations > Private Apps > your app > Webhooks, and set"
)
# What a dry run shows where a webhook it would create is named.
NEW_WEBHOOK = "<new webhook>"


def zendesk_changes(client: ZendeskClient, store, box: SecretBox, endpoint: str, now,
                    dry_run: bool, connection: str = EVENTS_CONNECTION) -> list[str]:  # fmt: skip
    """Ensure one "Momentos" webhook connected by `connection` (with `triggers`, the trigger
    that calls it too) and its secret stored; what was (or would be) changed, one line each."""
    desired = zendesk_subs.desired_webhook(endpoint, connection)
    found = zendesk_subs.find_webhooks(client)
    changes = []
    if connection == EVENTS_CONNECTION and any(
        zendesk_subs.connection_of(hook) == TRIGGERS_CONNECTION for hook in found
    ):
        # Leaving trigger mode: the trigger goes before the webhook it calls.
        changes += _trigger_changes(client, None, dry_run)
    hook, made = _webhook_changes(client, found, desired, dry_run)
    changes += made
    if connection == TRIGGERS_CONNECTION:
        changes += _trigger_changes(client, hook["id"] if hook else NEW_WEBHOOK, dry_run)
    if hook is None:  # a dry run that would create the webhook
        return [*changes, "zendesk: store its signing secret, encrypted"]
    return changes + _secret_changes(client, store, box, hook["id"], now, dry_run)


def _webhook_changes(client: ZendeskClient, found: list[dict], desired: dict, dry_run: bool):
    """(the webhook kept or made, None when a dry run would make one; the changes)."""
    hook, changes = (found[0] if found else None), []
    for extra in found[1:]:
        changes.append(f"zendesk: delete duplicate webhook {extra['id']}")
        if not dry_run:
            zendesk_subs.delete_webhook(client, extra["id"])
    if hook and (fixed := zendesk_subs.replacements(hook, desired)):
        changes.append(f"zendesk: replace webhook {hook['id']} ({', '.join(fixed)} cannot change)")
        if not dry_run:
            zendesk_subs.delete_webhook(client, hook["id"])
        hook = None
    if hook is None:
        changes.append(f'zendesk: create webhook "{desired["name"]}" -> {desired["endpoint"]}')
        return (None if dry_run else zendesk_subs.create_webhook(client, desired)), changes
    if diff := zendesk_subs.differences(hook, desired):
        changes.append(f"zendesk: update webhook {hook['id']}: {', '.join(diff)}")
        if not dry_run:
            zendesk_subs.update_webhook(client, hook["id"], {k: desired[k] for k in diff})
    return hook, changes


def _trigger_changes(client: ZendeskClient, hook_id: str | None, dry_run: bool) -> list[str]:
    """Ensure one Momentos trigger calling webhook `hook_id`; with None, that there is none."""
    found = zendesk_triggers.find_triggers(client)
    keep = found[0] if found and hook_id is not None else None
    changes = []
    for extra in found[1:] if keep else found:
        changes.append(f"zendesk: delete {'duplicate ' if keep else ''}trigger {extra['id']}")
        if not dry_run:
            zendesk_triggers.delete_trigger(client, extra["id"])
    if hook_id is None:
        return changes
    desired = zendesk_triggers.desired_trigger(hook_id)
    if keep is None:
        changes.append(f'zendesk: create trigger "{desired["title"]}" -> webhook {hook_id}')
        if not dry_run:
            zendesk_triggers.create_trigger(client, desired)
    elif diff := zendesk_triggers.differences(keep, desired):
        changes.append(f"zendesk: update trigger {keep['id']}: {', '.join(diff)}")
        if not dry_run:
            fields = zendesk_triggers.update_fields(desired, diff)
            zendesk_triggers.update_trigger(client, keep["id"], fields)
    return changes


def _secret_changes(client, store, box: SecretBox, hook_id: str, now, dry_run: bool):
    secret = zendesk_subs.signing_secret(client, hook_id)
    token = store.secret_token(ZENDESK_WEBHOOK_SECRET)
    try:
        if token is not None and box.open(token) == secret:
            return []
    except ConfigError:
        pass  # sealed with another key: replace it
    if not dry_run:
        store.put_secret(ZENDESK_WEBHOOK_SECRET, box.seal(secret), now)
    return ["zendesk: store the webhook's signing secret, encrypted"]


def hubspot_changes(api: WebhooksApi, target: str, wanted, dry_run: bool) -> list[str]:
    """Point the app at Momentos and add (or resume) each subscription Momentos needs."""
    changes = []
    if api.target_url() != target:
        changes.append(f"hubspot: set the app's webhook target URL to {target}")
        if not dry_run:
            api.set_target_url(target)
    create, activate = hubspot_subs.missing(api.subscriptions(), wanted)
    for subscription in create:
        changes.append(f"hubspot: subscribe to {hubspot_subs.describe(subscription)}")
        if not dry_run:
            api.create(subscription)
    for subscription_id in activate:
        changes.append(f"hubspot: activate paused subscription {subscription_id}")
        if not dry_run:
            api.activate(subscription_id)
    return changes


def manual_hubspot(target: str, wanted) -> list[str]:
    """The subscriptions to enter by hand in a legacy private app's settings."""
    lines = [MANUAL_STEPS, f"  target URL: {target}"]
    return lines + [f"  {hubspot_subs.describe(subscription)}" for subscription in wanted]


def _webhooks_api(engine) -> WebhooksApi | None:
    hubspot = engine.settings.hubspot
    if not hubspot.get("developer_api_key_env") or not hubspot.get("app_id"):
        return None
    key = engine.settings.secret("hubspot", "developer_api_key_env")
    return WebhooksApi(hubspot["base_url"], hubspot["app_id"], key, clock=engine.clock)


def install(engine, dry_run: bool = False, out: TextIO | None = None) -> list[str]:
    """Bring both tools in line and print what changed (or would); returns the changes."""
    out = out or sys.stdout
    settings = engine.settings
    public = settings.web["public_url"].rstrip("/")
    box = require_box(settings.secrets_key_env)
    changes = zendesk_changes(engine.zendesk, engine.store, box, public + "/webhooks/zendesk",
                              engine.clock.now(), dry_run,
                              settings.zendesk["webhook_connection"])  # fmt: skip
    wanted = hubspot_subs.desired_subscriptions(properties_read("hubspot"))
    api = _webhooks_api(engine)
    notes = manual_hubspot(public + "/webhooks/hubspot", wanted) if api is None else []
    if api is not None:
        changes += hubspot_changes(api, public + "/webhooks/hubspot", wanted, dry_run)
    for line in [*changes, *notes]:
        print(line, file=out)
    if not changes:
        print("nothing to do", file=out)
    elif dry_run:
        print(f"dry run: {len(changes)} changes planned, none made", file=out)
    else:
        print(f"{len(changes)} changes made", file=out)
    return changes

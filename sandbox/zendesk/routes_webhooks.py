"""The Webhooks API: create, list (cursor), show, update, delete, signing secret."""

from flask import Blueprint, Response, jsonify, request

from sandbox.zendesk.paging import cursor_slice, page_size
from sandbox.zendesk.routing import body, both, created
from sandbox.zendesk.shapes import api_url


def register(bp: Blueprint, state) -> None:
    hooks = state.hooks

    @both(bp, "/webhooks", methods=("POST",))
    def create_webhook():
        fields = body("webhook")
        secret = (fields.get("signing_secret") or {}).get("secret")
        hook = hooks.create(fields, state.agent_id, signing_secret=secret)
        return created({"webhook": hook}, api_url(state.base, f"webhooks/{hook['id']}"))

    @both(bp, "/webhooks")
    def list_webhooks():
        return jsonify(webhook_page(state, request.args))

    @both(bp, "/webhooks/<webhook_id>")
    def show_webhook(webhook_id: str):
        return jsonify({"webhook": hooks.render(hooks.get(webhook_id))})

    @both(bp, "/webhooks/<webhook_id>", methods=("PUT", "PATCH"))
    def update_webhook(webhook_id: str):
        hooks.update(webhook_id, body("webhook"), state.agent_id, replace=request.method == "PUT")
        return Response(status=204)

    @both(bp, "/webhooks/<webhook_id>", methods=("DELETE",))
    def delete_webhook(webhook_id: str):
        hooks.delete(webhook_id)
        return Response(status=204)

    @both(bp, "/webhooks/<webhook_id>/signing_secret", methods=("GET", "POST"))
    def signing_secret(webhook_id: str):
        secret = hooks.secret(webhook_id, reset=request.method == "POST")
        return jsonify({"signing_secret": {"algorithm": "SHA256", "secret": secret}})


def webhook_page(state, query) -> dict:
    """One cursor page of webhooks, filtered by `filter[status]` and `filter[name_contains]`."""
    found = state.hooks.listing(query.get("filter[status]"), query.get("filter[name_contains]"))
    by_id = {hook["id"]: hook for hook in found}
    size = page_size(query.get("page[size]"))
    page = cursor_slice(sorted(by_id), size, query.get("page[after]"), query.get("page[before]"))
    link = api_url(state.base, "webhooks") + f"?page[size]={size}"
    return {
        "webhooks": [by_id[i] for i in page.keys],
        "meta": {
            "has_more": page.has_more,
            "after_cursor": page.after_cursor,
            "before_cursor": page.before_cursor,
        },
        "links": {
            "next": f"{link}&page[after]={page.after_cursor}" if page.has_more else None,
            "prev": f"{link}&page[before]={page.before_cursor}"
            if query.get("page[after]")
            else None,
        },
    }

"""The webhooks v3 API: an app's target URL, throttling and subscriptions (HUBSPOT.md §6.1).

It belongs to the developer account, not the portal: authorised by the developer API key
in `?hapikey=`, outside the portal's request budgets.
"""

import hmac

from flask import Blueprint, Response, jsonify, request

from sandbox.hubspot.errors import HubSpotError, not_found
from sandbox.hubspot.http import error_response, json_body
from sandbox.hubspot.subscriptions import view

APP = "/webhooks/v3/<int:app_id>"
KEY_MESSAGE = "The API key provided is invalid. View or manage your API key here: https://app.hubspot.com/l/api-key/"


def blueprint(state) -> Blueprint:
    bp = Blueprint("hubspot_webhooks", __name__)
    registry = state.webhooks.subscriptions

    @bp.before_request
    def authenticate():
        given = request.args.get("hapikey", "")
        expected = state.settings.hubspot_developer_api_key
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return error_response(HubSpotError(401, "INVALID_AUTHENTICATION", KEY_MESSAGE))
        app_id = (request.view_args or {}).get("app_id")
        if app_id != state.settings.hubspot_app_id:
            return error_response(not_found(f"App {app_id} not found for this developer key"))
        return None

    @bp.get(f"{APP}/settings")
    def get_settings(app_id: int):
        return jsonify(registry.settings())

    @bp.put(f"{APP}/settings")
    def put_settings(app_id: int):
        return jsonify(registry.configure(json_body()))

    @bp.delete(f"{APP}/settings")
    def clear_settings(app_id: int):
        registry.set_target(None)
        return Response(status=204)

    @bp.get(f"{APP}/subscriptions")
    def list_subscriptions(app_id: int):
        return jsonify({"results": [view(item) for item in registry.items]})

    @bp.post(f"{APP}/subscriptions")
    def create_subscription(app_id: int):
        body = json_body()
        item = registry.create(
            body.get("eventType"),
            body.get("propertyName"),
            body.get("active", False),
            body.get("objectTypeId"),
        )
        return jsonify(view(item)), 201

    @bp.get(f"{APP}/subscriptions/<subscription_id>")
    def get_subscription(app_id: int, subscription_id: str):
        return jsonify(view(registry.get(subscription_id)))

    @bp.patch(f"{APP}/subscriptions/<subscription_id>")
    def update_subscription(app_id: int, subscription_id: str):
        # Only `active` can change; a different event type is a new subscription.
        active = json_body().get("active")
        return jsonify(view(registry.set_active(subscription_id, active)))

    @bp.delete(f"{APP}/subscriptions/<subscription_id>")
    def delete_subscription(app_id: int, subscription_id: str):
        registry.delete(subscription_id)
        return Response(status=204)

    bp.register_error_handler(HubSpotError, error_response)
    return bp

"""The rules' context from the validated settings (read once at start-up)."""

from typing import Any

from momentos.moments import Policy, RuleContext


def policy(moments: dict[str, Any]) -> Policy:
    """The `moments` section of the configuration as the rules' Policy."""
    if not moments:
        return Policy()
    return Policy(
        horizon_days=moments["horizon_days"],
        feb29_policy=moments["feb29_policy"],
        day_first=moments["date_order"] == "dmy",
        birthday_field=moments["birthday_field"],
        founding_field=moments["founding_field"],
        anniversary_round_years=moments["anniversary_round_years"],
        renewal_pipelines=frozenset(moments["renewal_pipelines"]),
        renewal_date_property=moments["renewal_date_property"],
        service_pipelines=frozenset(moments["service_pipelines"]),
        won_stages=frozenset(moments["won_stages"]),
        lost_stages=frozenset(moments["lost_stages"]),
        usage_object_type=moments["usage_object_type"],
        usage_property=moments["usage_property"],
        usage_stale_days=moments["usage_stale_days"],
        billing_variation_percent=moments["billing_variation_percent"],
        billing_history=moments["billing_history"],
        # Custom field ids are keys of a ticket's `custom_fields` as text.
        category_fields=tuple((name, str(fid)) for name, fid in moments["category_fields"].items()),
    )


def rule_context(settings: Any) -> RuleContext:
    zendesk, hubspot = settings.zendesk, settings.hubspot
    return RuleContext(
        zendesk_url=zendesk["base_url"],
        complaint_tags=frozenset(t.lower() for t in zendesk["complaint_tags"]),
        hubspot_app_url=hubspot["app_url"],
        hubspot_portal_id=hubspot["portal_id"],
        time_zone=settings.timezone,
        policy=policy(getattr(settings, "moments", None) or {}),
    )

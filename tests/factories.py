"""Real-shaped records for tests, built through the connectors' own record functions."""

from datetime import UTC, datetime

from connectors.zendesk.records import to_event
from momentos.model import Event

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def zendesk_ticket(
    ticket_id=101, tags=("queja",), requester_id=501, updated="2026-11-23T08:55:00Z", **extra
) -> Event:
    ticket = {
        "id": ticket_id,
        "subject": "La factura está duplicada",
        "description": "Hola",
        "status": "new",
        "priority": None,
        "type": None,
        "tags": list(tags),
        "requester_id": requester_id,
        "submitter_id": requester_id,
        "organization_id": None,
        "via": {"channel": "web"},
        "created_at": "2026-11-23T08:55:00Z",
        "updated_at": updated,
        "custom_fields": [{"id": 360000000001, "value": "app_movil"}],
        **extra,
    }
    return to_event("ticket", ticket)


def zendesk_user(
    user_id=501,
    email="carmen@laespiga.es",
    locale="es",
    time_zone="Europe/Madrid",
    name="Carmen Vidal",
) -> Event:
    return to_event(
        "user",
        {
            "id": user_id,
            "name": name,
            "email": email,
            "locale": locale,
            "iana_time_zone": time_zone,
            "role": "end-user",
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        },
    )


def hubspot_record(
    object_type: str, record_id: str, version_ms: int = 1767225600000, **data
) -> Event:
    """A polled HubSpot record in the canonical shape of docs/contracts.md."""
    base = {"id": record_id, "properties": {}, "archived": False}
    return Event(
        tool="hubspot",
        object_type=object_type,
        object_id=record_id,
        version=str(version_ms),
        occurred_at=datetime.fromtimestamp(version_ms / 1000, UTC),
        data={**base, **data},
    )


# Issue #6: HubSpot objects as the search API returns them, through the connector's own
# `to_event`, so the rules see exactly the canonical shape (properties are strings).


def hubspot_object(
    object_type: str,
    record_id: str,
    properties: dict,
    modified: str = "2026-11-23T08:00:00Z",
    created: str = "2025-06-10T09:30:00Z",
    companies: tuple[str, ...] = (),
    contacts: tuple[str, ...] = (),
    archived: bool = False,
) -> Event:
    from connectors.hubspot.records import modified_property
    from connectors.hubspot.records import to_event as hubspot_event

    associations = {}
    if companies:
        associations["companies"] = {"results": [{"id": c, "type": "x"} for c in companies]}
    if contacts:
        associations["contacts"] = {"results": [{"id": c, "type": "x"} for c in contacts]}
    obj = {
        "id": record_id,
        "properties": {**properties, modified_property(object_type): modified},
        "createdAt": created,
        "updatedAt": modified,
        "archived": archived,
        "associations": associations,
    }
    return hubspot_event(object_type, obj)


def hubspot_contact(record_id="101", email="carmen@laespiga.es", companies=(), **properties):
    props = {"email": email, "firstname": "Carmen", "lastname": "Vidal", **properties}
    return hubspot_object("contact", record_id, props, companies=companies)


def hubspot_deal(record_id="7", companies=("21",), modified="2026-11-23T08:00:00Z", **properties):
    props = {"dealname": "Mantenimiento anual", "pipeline": "default", "dealstage": "contractsent",
             "amount": "1200", "closedate": "2027-01-15T00:00:00Z", **properties}  # fmt: skip
    return hubspot_object("deal", record_id, props, modified=modified, companies=companies)


def hubspot_invoice(
    record_id="9",
    amount="100.00",
    currency="EUR",
    invoice_date="2026-11-01",
    companies=("21",),
    modified="2026-11-23T08:00:00Z",
    **properties,
) -> Event:
    props = {
        "hs_amount_billed": amount,
        "hs_currency": currency,
        "hs_invoice_status": "open",
        "hs_invoice_date": invoice_date,
        "hs_number": f"INV-{record_id}",
        **properties,
    }
    return hubspot_object("invoice", record_id, props, modified=modified, companies=companies)


def zendesk_rating(rating_id=71, score="bad", comment="Nadie me llamó", ticket_id=101,
                   requester_id=501, created="2026-11-23T09:30:00Z") -> Event:  # fmt: skip
    return to_event(
        "satisfaction_rating",
        {"id": rating_id, "score": score, "comment": comment, "ticket_id": ticket_id,
         "requester_id": requester_id, "assignee_id": 9, "group_id": 3,
         "created_at": created, "updated_at": created},
    )  # fmt: skip


def momentos_survey_answer(answer_id="s-1", score=3, scale="nps", comment="", ticket_id="101",
                           respondent=("zendesk", "user", "501")) -> Event:  # fmt: skip
    data = {"id": answer_id, "score": score, "scale": scale, "comment": comment,
            "ticket_id": ticket_id, "respondent": list(respondent),
            "created_at": "2026-11-25T10:00:00Z"}  # fmt: skip
    return Event(tool="momentos", object_type="survey_answer", object_id=answer_id,
                 version="1", occurred_at=T0, data=data)  # fmt: skip


def rule_context(time_zone="Europe/Madrid", **policy):
    """The rules' context as a test portal has it; `policy` overrides `moments` settings."""
    from momentos.moments import Policy, RuleContext

    return RuleContext(
        zendesk_url="https://acme.zendesk.com",
        complaint_tags=frozenset({"queja", "complaint"}),
        hubspot_app_url="https://app.hubspot.com",
        hubspot_portal_id=62515,
        time_zone=time_zone,
        policy=Policy(**policy),
    )

"""What a fresh HubSpot portal knows: object types, default properties, associations, pipelines.

Property names, labels and types follow HUBSPOT.md §2.2 (a dump of a real portal's
`hubspotDefined` properties); options are the documented or commonly seen values.
"""

from typing import Any

# Plural path name -> (object type id, singular name used in webhooks and v3 association names).
OBJECT_TYPES = {
    "contacts": ("0-1", "contact"),
    "companies": ("0-2", "company"),
    "deals": ("0-3", "deal"),
    "tasks": ("0-27", "task"),
    "notes": ("0-46", "note"),
    "invoices": ("0-53", "invoice"),
}
TYPE_IDS = {type_id: name for name, (type_id, _) in OBJECT_TYPES.items()}
# Fixed, so the definitions of HubSpot-defined properties do not change between runs.
DEFINED_AT = "2019-08-06T02:41:08.054Z"

# Tasks and notes carry `hs_createdate` where the other objects carry `createdate` (§3.1).
CREATED_PROPERTY = {"tasks": "hs_createdate", "notes": "hs_createdate"}
# Contacts keep the classic `lastmodifieddate` beside `hs_lastmodifieddate` (§2.2).
MODIFIED_PROPERTIES = {"contacts": ("lastmodifieddate", "hs_lastmodifieddate")}
# fmt: off
REQUIRED_ON_CREATE = {"tasks": ("hs_timestamp",), "notes": ("hs_timestamp",),
                      "invoices": ("hs_currency",)}
# Defaults returned by list, get and search when no `properties` are asked for (§3.1).
DEFAULT_RETURNED = {
    "contacts": ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate",
                 "lastname"),
    "companies": ("name", "domain", "createdate", "hs_lastmodifieddate", "hs_object_id"),
    "deals": ("dealname", "amount", "closedate", "pipeline", "dealstage", "createdate",
              "hs_lastmodifieddate", "hs_object_id"),
    "tasks": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "notes": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "invoices": ("createdate", "hs_lastmodifieddate", "hs_object_id"),
}
# The free-text `query` of search looks only at these (§3.1).
SEARCH_TEXT = {
    "contacts": ("firstname", "lastname", "email", "phone", "company"),
    "companies": ("name", "domain", "website", "phone"),
    "deals": ("dealname",),
    "tasks": ("hs_task_subject", "hs_task_body"),
    "notes": ("hs_note_body",),
    "invoices": ("hs_number",),
}
# Custom unique identifiers are documented only for these of our types (§4.4).
UNIQUE_CAPABLE = {"contacts", "companies", "deals"}
MAX_UNIQUE_PROPERTIES = 10
GROUPS = {"contacts": "contactinformation", "companies": "companyinformation",
          "deals": "dealinformation", "tasks": "task", "notes": "note",
          "invoices": "invoiceinformation"}

LANGUAGES = ("en", "en-us", "en-gb", "es", "es-mx", "pt", "pt-br", "fr", "fr-ca", "de", "it",
             "nl", "sv", "da", "fi", "no", "pl", "ja", "ko", "zh-cn", "zh-tw")
LIFECYCLE = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead",
             "opportunity", "customer", "evangelist", "other")

PIPELINES = (
    ("default", "Sales Pipeline", (
        ("appointmentscheduled", "Appointment scheduled", "0.2"),
        ("qualifiedtobuy", "Qualified to buy", "0.4"),
        ("presentationscheduled", "Presentation scheduled", "0.6"),
        ("decisionmakerboughtin", "Decision maker bought-in", "0.8"),
        ("contractsent", "Contract sent", "0.9"),
        ("closedwon", "Closed won", "1.0"),
        ("closedlost", "Closed lost", "0.0"),
    )),
    # Custom pipelines get numeric ids in real portals.
    ("2946640", "Renewals", (
        ("2946641", "Renewal due", "0.5"),
        ("2946642", "In negotiation", "0.75"),
        ("2946643", "Renewed", "1.0"),
        ("2946644", "Churned", "0.0"),
    )),
)
CLOSED_STAGES = {"closedwon", "closedlost", "2946643", "2946644"}
# fmt: on
STAGE_IDS = tuple(stage[0] for _, _, stages in PIPELINES for stage in stages)

# name, label, type, fieldType, options, flags ("ro" read-only value, "unique", "ext" options
# come from elsewhere, e.g. owners).
_OWNER = ("hubspot_owner_id", "Owner", "enumeration", "select", (), "ext")
_OBJECT_ID = ("hs_object_id", "Record ID", "number", "number", (), "ro")
_MODIFIED = ("hs_lastmodifieddate", "Object last modified date/time", "datetime", "date", (), "ro")
_CREATED = ("createdate", "Create date", "datetime", "date", (), "ro")
_HS_CREATED = ("hs_createdate", "Create date", "datetime", "date", (), "ro")
# Ids of the records merged into this one, `;`-separated; set by merges only.
_MERGED = ("hs_merged_object_ids", "Merged record IDs", "enumeration", "checkbox", (), "ro")
# fmt: off
_TABLE = {
    "contacts": (
        ("email", "Email", "string", "text", (), "unique"),
        ("firstname", "First name", "string", "text", (), ""),
        ("lastname", "Last name", "string", "text", (), ""),
        ("phone", "Phone number", "string", "phonenumber", (), ""),
        ("company", "Company name", "string", "text", (), ""),
        ("jobtitle", "Job title", "string", "text", (), ""),
        ("city", "City", "string", "text", (), ""),
        ("country", "Country/Region", "string", "text", (), ""),
        ("hs_language", "Preferred language", "enumeration", "select", LANGUAGES, ""),
        ("hs_timezone", "Time zone", "enumeration", "select", (), "ext"),
        ("date_of_birth", "Date of birth", "string", "text", (), ""),
        ("lifecyclestage", "Lifecycle stage", "enumeration", "radio", LIFECYCLE, ""),
        ("lastmodifieddate", "Last modified date", "datetime", "date", (), "ro"),
        _OWNER, _OBJECT_ID, _MODIFIED, _CREATED, _MERGED,
    ),
    "companies": (
        ("name", "Company name", "string", "text", (), ""),
        ("domain", "Company domain name", "string", "text", (), ""),
        ("website", "Website URL", "string", "text", (), ""),
        ("phone", "Phone number", "string", "phonenumber", (), ""),
        ("city", "City", "string", "text", (), ""),
        ("country", "Country/Region", "string", "text", (), ""),
        ("industry", "Industry", "string", "text", (), ""),
        ("founded_year", "Year Founded", "string", "text", (), ""),
        ("annualrevenue", "Annual Revenue", "number", "number", (), ""),
        ("numberofemployees", "Number of Employees", "number", "number", (), ""),
        ("timezone", "Time Zone", "string", "text", (), ""),
        ("lifecyclestage", "Lifecycle stage", "enumeration", "radio", LIFECYCLE, ""),
        _OWNER, _OBJECT_ID, _MODIFIED, _CREATED, _MERGED,
    ),
    "deals": (
        ("dealname", "Deal name", "string", "text", (), ""),
        ("amount", "Amount", "number", "number", (), ""),
        ("closedate", "Close date", "datetime", "date", (), ""),
        ("dealstage", "Deal stage", "enumeration", "radio", STAGE_IDS, ""),
        ("pipeline", "Pipeline", "enumeration", "select", tuple(p[0] for p in PIPELINES), ""),
        ("dealtype", "Deal type", "enumeration", "radio", ("newbusiness", "existingbusiness"), ""),
        ("description", "Deal description", "string", "textarea", (), ""),
        ("deal_currency_code", "Currency", "string", "text", (), ""),
        _OWNER, _OBJECT_ID, _MODIFIED, _CREATED, _MERGED,
    ),
    "tasks": (
        ("hs_timestamp", "Due date", "datetime", "date", (), ""),
        ("hs_task_subject", "Task title", "string", "text", (), ""),
        ("hs_task_body", "Task notes", "string", "html", (), ""),
        ("hs_task_status", "Task status", "enumeration", "select",
         ("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"), ""),
        ("hs_task_priority", "Priority", "enumeration", "select",
         ("NONE", "LOW", "MEDIUM", "HIGH"), ""),
        ("hs_task_type", "Task type", "enumeration", "select", ("EMAIL", "CALL", "TODO"), ""),
        ("hs_task_reminders", "Reminders", "string", "text", (), ""),
        _OWNER, _OBJECT_ID, _MODIFIED, _HS_CREATED,
    ),
    "notes": (
        ("hs_timestamp", "Activity date", "datetime", "date", (), ""),
        ("hs_note_body", "Note body", "string", "html", (), ""),
        ("hs_attachment_ids", "Attached file IDs", "string", "text", (), ""),
        _OWNER, _OBJECT_ID, _MODIFIED, _HS_CREATED,
    ),
    "invoices": (
        ("hs_invoice_status", "Invoice status", "enumeration", "select",
         ("draft", "open", "paid", "voided"), ""),
        ("hs_amount_billed", "Amount billed", "number", "number", (), ""),
        ("hs_balance_due", "Balance due", "number", "number", (), ""),
        ("hs_due_date", "Due date", "date", "date", (), ""),
        ("hs_invoice_date", "Invoice date", "date", "date", (), ""),
        ("hs_number", "Number", "string", "text", (), ""),
        ("hs_currency", "Currency", "string", "text", (), ""),
        _OWNER, _OBJECT_ID, _MODIFIED, _CREATED,
    ),
}
# fmt: on


def resolve_type(name: str) -> str | None:
    """The plural name for a path segment that is a name (`contacts`) or a type id (`0-1`)."""
    name = name.lower()
    return name if name in OBJECT_TYPES else TYPE_IDS.get(name)


def created_property(object_type: str) -> str:
    return CREATED_PROPERTY.get(object_type, "createdate")


def modified_properties(object_type: str) -> tuple[str, ...]:
    return MODIFIED_PROPERTIES.get(object_type, ("hs_lastmodifieddate",))


def always_returned(object_type: str) -> tuple[str, str, str]:
    """Returned even when `properties` names others (HubSpot's examples, §3.1)."""
    return created_property(object_type), modified_properties(object_type)[0], "hs_object_id"


def option(value: str, order: int) -> dict[str, Any]:
    label = value if not value.islower() else value.replace("_", " ").capitalize()
    return {
        "label": label,
        "value": value,
        "description": "",
        "displayOrder": order,
        "hidden": False,
    }


def default_definitions(object_type: str) -> dict[str, dict[str, Any]]:
    """The HubSpot-defined property definitions of a type, keyed by name."""
    definitions = {}
    for order, (name, label, type_, field_type, options, flags) in enumerate(_TABLE[object_type]):
        definitions[name] = {
            "name": name,
            "label": label,
            "type": type_,
            "fieldType": field_type,
            "description": "",
            "groupName": GROUPS[object_type],
            "options": [option(value, i) for i, value in enumerate(options)],
            "displayOrder": order,
            "calculated": False,
            "externalOptions": flags == "ext",
            "hasUniqueValue": flags == "unique",
            "hidden": False,
            "hubspotDefined": True,
            "modificationMetadata": {
                "archivable": False,
                "readOnlyDefinition": True,
                "readOnlyValue": flags == "ro",
            },
            "formField": flags != "ro",
            "createdAt": DEFINED_AT,
            "updatedAt": DEFINED_AT,
            "archived": False,
        }
    return definitions


def pipelines() -> list[dict[str, Any]]:
    """`GET /crm/v3/pipelines/deals` results."""
    result = []
    for order, (pipeline_id, label, stages) in enumerate(PIPELINES):
        result.append(
            {
                "label": label,
                "displayOrder": order,
                "id": pipeline_id,
                "stages": [
                    {
                        "label": stage_label,
                        "displayOrder": i,
                        "id": stage_id,
                        "metadata": {
                            "isClosed": str(stage_id in CLOSED_STAGES).lower(),
                            "probability": probability,
                        },
                        "createdAt": DEFINED_AT,
                        "updatedAt": DEFINED_AT,
                        "archived": False,
                        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
                    }
                    for i, (stage_id, stage_label, probability) in enumerate(stages)
                ],
                "createdAt": DEFINED_AT,
                "updatedAt": DEFINED_AT,
                "archived": False,
            }
        )
    return result

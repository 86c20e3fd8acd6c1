"""Zendesk's OpenAPI file as JSON Schema validators, with its known defects corrected.

The file (1.2 MB) lives beside the repository in `shared/specs/zendesk/` with a SOURCE.txt
on where it came from and what is wrong in it. Loading needs two fixes: an unquoted `=`
scalar PyYAML refuses, and OAS 3.0 `nullable`, which JSON Schema spells as a null type.
Each correction below names why it is made; none loosens a schema to hide a sandbox bug.
"""

from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

SPEC = Path(__file__).resolve().parents[4] / "shared" / "specs" / "zendesk" / "oas.yaml"
URI = "urn:zendesk-oas"
# Fields the OAS types as never null which real responses send as null: seen null in the
# captures of nukosuke/go-zendesk (fixture/GET/ticket.json, user.json, ticket_fields.json),
# or (inferred) null whenever unset: unassigned tickets, users without a photo, API tickets
# without a subject (ZENDESK.md section 6: the subject may be absent).
NULLABLE = {
    "TicketObject": (
        "external_id", "type", "priority", "forum_topic_id", "problem_id",
        "assignee_id", "group_id", "organization_id", "recipient", "subject", "raw_subject",
    ),
    "UserForAdmin": (
        "phone", "shared_phone_number", "organization_id", "alias", "last_login_at",
        "signature", "default_group_id", "photo",
    ),
    "TicketFieldObject": ("agent_description",),
}  # fmt: skip
# A failed item of a bulk *create* is {index, error, details} (observed: cloudbees-oss/
# zendesk-java-client#98); the OAS only models failed updates.
CREATE_FAILED = {
    "type": "object",
    "properties": {
        "index": {"type": "integer"},
        "error": {"type": "string"},
        "details": {"type": "string"},
    },
    "required": ["index", "error", "details"],
}
# Audit events of the `tags` field carry the tag list (lanej/zendesk2 parses them as arrays)
# and a cleared field changes to null (inferred); the OAS allows only strings and integers.
EVENT_VALUE = {"anyOf": [{"type": ["string", "integer", "null"]}, {"type": "array"}]}
# Show Satisfaction Rating is modelled as `{"satisfaction_rating": [ ... ]}`; every other
# show endpoint answers one object, and the sandbox does too (inferred).
RATING_RESPONSE = {
    "type": "object",
    "properties": {
        "satisfaction_rating": {"$ref": "#/components/schemas/SatisfactionRatingObject"}
    },
}


# The C loader parses the 1.2 MB file in under a second, the Python one in several.
BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader that reads the file's bare `=` (YAML's `value` tag) as a string."""


def _scalar(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:value", _scalar)


def _json_schema(node: Any) -> Any:
    """OAS 3.0 -> JSON Schema: `nullable: true` becomes "this, or null"."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items()}
    if converted.pop("nullable", False):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def _correct(schemas: dict[str, Any]) -> None:
    for schema, names in NULLABLE.items():
        properties = schemas[schema]["properties"]
        for name in names:
            properties[name] = {"anyOf": [properties[name], {"type": "null"}]}
    schemas["JobStatusResultObject"]["oneOf"].append(CREATE_FAILED)
    schemas["AuditObject"]["properties"]["events"]["items"]["properties"]["value"] = EVENT_VALUE
    schemas["SatisfactionRatingResponse"] = RATING_RESPONSE


class Spec:
    """Validators for `components.schemas` of the corrected spec."""

    def __init__(self, path: Path = SPEC):
        with path.open() as handle:
            document = yaml.load(handle, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
        self.paths = document["paths"]
        _correct(document["components"]["schemas"])
        self._registry = Registry().with_resource(
            URI, DRAFT4.create_resource(_json_schema(document))
        )

    def response_schema(self, method: str, path: str, status: str) -> str:
        """The schema name the spec gives for an operation's response."""
        content = self.paths[path][method.lower()]["responses"][status]["content"]
        return content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]

    def errors(self, schema: str, instance: Any) -> list[str]:
        """Every violation as `path: message`; empty when the instance conforms."""
        ref = {"$ref": f"{URI}#/components/schemas/{schema}"}
        validator = Draft4Validator(ref, registry=self._registry)
        return [
            f"{'/'.join(map(str, error.absolute_path))}: {error.message[:200]}"
            for error in validator.iter_errors(instance)
        ]

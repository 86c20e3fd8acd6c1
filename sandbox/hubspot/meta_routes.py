"""The read APIs around the records: properties, owners, pipelines, associations v4."""

from flask import Blueprint, jsonify, request

from connectors.hubspot import API_VERSION
from sandbox.hubspot import batch, schema
from sandbox.hubspot.errors import not_found, validation
from sandbox.hubspot.http import flag, json_body, limit_arg, paged
from sandbox.hubspot.owners import DEFAULT_LIMIT as OWNERS_LIMIT
from sandbox.hubspot.owners import MAX_LIMIT as OWNERS_MAX

V3 = f"/crm/{API_VERSION}"
# Associations have their own version line (v4), retired on its own date (HUBSPOT.md §0).
V4 = "/crm/v4"


def register(bp: Blueprint, state) -> None:
    _property_routes(bp, state)
    _owner_routes(bp, state)
    _pipeline_routes(bp)
    _association_routes(bp, state)


def _property_routes(bp: Blueprint, state) -> None:
    @bp.get(f"{V3}/properties/<object_type>")
    def list_properties(object_type: str):
        definitions = state.properties.all(state.resolve(object_type))
        return jsonify({"results": list(definitions.values())})

    @bp.get(f"{V3}/properties/<object_type>/<name>")
    def get_property(object_type: str, name: str):
        return jsonify(state.properties.get(state.resolve(object_type), name))

    @bp.post(f"{V3}/properties/<object_type>")
    def create_property(object_type: str):
        return jsonify(state.create_property(object_type, json_body())), 201


def _owner_routes(bp: Blueprint, state) -> None:
    @bp.get(f"{V3}/owners")
    def list_owners():
        owners, after = state.owners.page(
            limit_arg(OWNERS_LIMIT, OWNERS_MAX),
            request.args.get("after"),
            request.args.get("email"),
            flag("archived"),
        )
        return jsonify(paged(owners, after))

    @bp.get(f"{V3}/owners/<owner_id>")
    def get_owner(owner_id: str):
        return jsonify(state.owners.get(owner_id, request.args.get("idProperty", "id")))


def _pipeline_routes(bp: Blueprint) -> None:
    @bp.get(f"{V3}/pipelines/<object_type>")
    def list_pipelines(object_type: str):
        return jsonify({"results": _pipelines(object_type)})

    @bp.get(f"{V3}/pipelines/<object_type>/<pipeline_id>")
    def get_pipeline(object_type: str, pipeline_id: str):
        found = [p for p in _pipelines(object_type) if p["id"] == pipeline_id]
        if not found:
            raise not_found(f"Unable to find pipeline {pipeline_id}")
        return jsonify(found[0])


def _pipelines(object_type: str) -> list[dict]:
    if schema.resolve_type(object_type) != "deals":
        # Tickets have pipelines too in HubSpot; the sandbox serves no tickets.
        raise validation(f"The sandbox has pipelines for deals only (got {object_type})")
    return schema.pipelines()


def _association_routes(bp: Blueprint, state) -> None:
    @bp.get(f"{V4}/objects/<from_type>/<record_id>/associations/<to_type>")
    def read_associations(from_type: str, record_id: str, to_type: str):
        from_type, to_type = state.resolve(from_type), state.resolve(to_type)
        return jsonify({"results": state.links.v4_entries(from_type, record_id, to_type)})

    @bp.post(f"{V4}/associations/<from_type>/<to_type>/batch/read")
    def batch_read_associations(from_type: str, to_type: str):
        from_type, to_type = state.resolve(from_type), state.resolve(to_type)
        answer = batch.associations_many(state, from_type, to_type, json_body())
        return jsonify(answer), 207 if answer.get("numErrors") else 200

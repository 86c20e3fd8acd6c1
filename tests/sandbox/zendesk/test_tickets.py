"""Tickets over real HTTP: auth, create, idempotency, errors, updates, bulk, imports."""

import base64

import requests

TICKET_KEYS = {
    "url",
    "id",
    "external_id",
    "via",
    "created_at",
    "updated_at",
    "generated_timestamp",
    "type",
    "subject",
    "raw_subject",
    "description",
    "priority",
    "status",
    "recipient",
    "requester_id",
    "submitter_id",
    "assignee_id",
    "organization_id",
    "group_id",
    "collaborator_ids",
    "follower_ids",
    "email_cc_ids",
    "forum_topic_id",
    "problem_id",
    "has_incidents",
    "is_public",
    "due_at",
    "tags",
    "custom_fields",
    "satisfaction_rating",
    "sharing_agreement_ids",
    "custom_status_id",
    "fields",
    "followup_ids",
    "ticket_form_id",
    "brand_id",
    "allow_channelback",
    "allow_attachments",
    "from_messaging_channel",
}
BODY = {
    "ticket": {
        "subject": "Birthday follow-up",
        "comment": {"body": "plain text", "public": False},
        "requester": {"name": "Ana Pérez", "email": "ana@example.com", "locale_id": 2},
        "tags": ["momentos", "birthday"],
        "external_id": "momentos:k1",
        "custom_fields": [{"id": 360012345678, "value": "vip"}],
        "priority": "normal",
        "type": "task",
    }
}


def test_bad_credentials_get_401(sandbox, zd):
    bad = ("admin@momentos-demo.example/token", "wrong")
    for auth in (bad, None):
        answer = requests.get(f"{zd.base}/tickets/1000.json", auth=auth, timeout=5)
        assert answer.status_code == 401
        assert answer.json() == {"error": "Couldn't authenticate you"}
    # The password form of Basic auth is not the token form.
    header = base64.b64encode(b"admin@momentos-demo.example:sandbox-zendesk-token").decode()
    answer = requests.get(
        f"{zd.base}/tickets", headers={"Authorization": f"Basic {header}"}, timeout=5
    )
    assert answer.status_code == 401


def test_create_returns_ticket_and_audit_in_zendesk_shape(zd):
    answer = zd.post("/tickets.json", json=BODY)
    assert answer.status_code == 201
    ticket, audit = answer.json()["ticket"], answer.json()["audit"]
    assert set(ticket) == TICKET_KEYS
    assert answer.headers["Location"] == ticket["url"]
    assert ticket["url"] == f"{zd.base}/tickets/{ticket['id']}.json"
    assert ticket["status"] == "new" and ticket["priority"] == "normal"
    assert ticket["type"] == "task" and ticket["via"]["channel"] == "api"
    assert ticket["description"] == "plain text" and ticket["is_public"] is False
    assert ticket["custom_fields"] == [{"id": 360012345678, "value": "vip"}]
    assert ticket["tags"] == ["momentos", "birthday"]
    assert isinstance(ticket["generated_timestamp"], int)
    assert audit["ticket_id"] == ticket["id"]
    assert [e["type"] for e in audit["events"]][:2] == ["Comment", "Create"]
    requester = zd.get(f"/users/{ticket['requester_id']}").json()["user"]
    assert requester["email"] == "ana@example.com" and requester["locale"] == "es"
    assert requester["role"] == "end-user"


def test_requester_by_email_reuses_the_user(zd):
    first = zd.create(requester={"email": "Bo@Example.com", "name": "Bo"})
    second = zd.create(requester={"email": "bo@example.com", "name": "Other name"})
    assert first["requester_id"] == second["requester_id"]
    assert zd.get(f"/users/{first['requester_id']}").json()["user"]["name"] == "Bo"


def test_idempotency_key_miss_hit_and_conflict(zd):
    headers = {"Idempotency-Key": "momentos:k1"}
    first = zd.post("/tickets", json=BODY, headers=headers)
    assert first.status_code == 201 and first.headers["x-idempotency-lookup"] == "miss"
    again = zd.post("/tickets", json=BODY, headers=headers)
    assert again.status_code == 201 and again.headers["x-idempotency-lookup"] == "hit"
    assert again.json() == first.json()
    assert len(zd.get("/tickets?external_id=momentos:k1").json()["tickets"]) == 1
    other = {"ticket": {**BODY["ticket"], "subject": "Something else"}}
    conflict = zd.post("/tickets", json=other, headers=headers)
    assert conflict.status_code == 400
    assert conflict.json()["error"] == "IdempotentRequestError"


def test_idempotency_key_expires_after_two_hours(zd):
    headers = {"Idempotency-Key": "k-expiring"}
    first = zd.post("/tickets", json=BODY, headers=headers).json()["ticket"]
    zd.advance(2 * 3600 + 1)
    later = zd.post("/tickets", json=BODY, headers=headers)
    assert later.headers["x-idempotency-lookup"] == "miss"
    assert later.json()["ticket"]["id"] != first["id"]


def test_create_without_comment_is_422_with_details_map(zd):
    answer = zd.post("/tickets", json={"ticket": {"subject": "no comment"}})
    assert answer.status_code == 422
    assert answer.json() == {
        "error": "RecordInvalid",
        "description": "Record validation errors",
        "details": {"base": [{"description": "Description: cannot be blank"}]},
    }
    bad_status = zd.post("/tickets", json={"ticket": {"comment": {"body": "x"}, "status": "OPEN"}})
    assert bad_status.status_code == 422 and "status" in bad_status.json()["details"]


def test_unknown_ticket_is_404_record_not_found(zd):
    answer = zd.get("/tickets/999999")
    assert answer.status_code == 404
    assert answer.json() == {"error": "RecordNotFound", "description": "Not found"}


def test_update_adds_internal_note_with_metadata_and_replaces_tags(zd):
    ticket = zd.create(subject="s", tags=["a", "b"], comment={"body": "first", "public": True})
    body = {
        "ticket": {
            "comment": {"body": "note", "public": False},
            "status": "pending",
            "tags": ["C"],
            "metadata": {"momentos_key": "k9"},
        }
    }
    answer = zd.put(f"/tickets/{ticket['id']}", json=body)
    assert answer.status_code == 200
    updated, audit = answer.json()["ticket"], answer.json()["audit"]
    assert updated["tags"] == ["c"] and updated["status"] == "pending"
    assert updated["description"] == "first" and updated["is_public"] is True
    assert updated["generated_timestamp"] >= ticket["generated_timestamp"]
    assert audit["metadata"]["custom"] == {"momentos_key": "k9"}
    change = next(e for e in audit["events"] if e.get("field_name") == "status")
    assert (change["previous_value"], change["value"]) == ("new", "pending")
    audits = zd.get(f"/tickets/{ticket['id']}/audits.json").json()["audits"]
    assert [a["metadata"]["custom"] for a in audits] == [{}, {"momentos_key": "k9"}]
    comments = zd.get(f"/tickets/{ticket['id']}/comments").json()["comments"]
    assert [(c["body"], c["public"]) for c in comments] == [("first", True), ("note", False)]
    # The connector reads audits by cursor, looking for its key in the metadata.
    page = zd.get(f"/tickets/{ticket['id']}/audits", params={"page[size]": 1}).json()
    assert page["meta"]["has_more"] is True and len(page["audits"]) == 1
    rest = zd.get(page["links"]["next"]).json()
    assert rest["audits"][0]["metadata"]["custom"] == {"momentos_key": "k9"}
    assert rest["meta"]["has_more"] is False


def test_comment_public_sticks_from_the_first_comment(zd):
    ticket = zd.create(comment={"body": "internal", "public": False})
    zd.put(f"/tickets/{ticket['id']}", json={"ticket": {"comment": {"body": "again"}}})
    comments = zd.get(f"/tickets/{ticket['id']}/comments").json()["comments"]
    assert [c["public"] for c in comments] == [False, False]


def test_closed_ticket_refuses_updates(zd):
    ticket = zd.create()
    zd.put(f"/tickets/{ticket['id']}", json={"ticket": {"status": "closed"}})
    answer = zd.put(f"/tickets/{ticket['id']}", json={"ticket": {"comment": {"body": "x"}}})
    assert answer.status_code == 422 and "status" in answer.json()["details"]


def test_list_by_external_id_and_cursor_pagination(zd):
    made = [zd.create(external_id="dup") for _ in range(3)]
    by_external = zd.get("/tickets.json", params={"external_id": "dup"}).json()
    assert [t["id"] for t in by_external["tickets"]] == [t["id"] for t in made]
    first = zd.get("/tickets", params={"page[size]": 2}).json()
    assert first["meta"]["has_more"] is True and len(first["tickets"]) == 2
    second = zd.get(first["links"]["next"]).json()
    assert second["meta"]["has_more"] is False
    assert [t["id"] for t in first["tickets"] + second["tickets"]] == [t["id"] for t in made]
    back = zd.get(second["links"]["prev"]).json()
    assert [t["id"] for t in back["tickets"]] == [t["id"] for t in first["tickets"]]
    assert zd.get("/tickets", params={"page[size]": 101}).status_code == 400


def test_create_many_answers_a_job_that_completes_with_per_item_results(zd):
    tickets = [{"comment": {"body": "one"}}, {"subject": "no comment"}, {"comment": {"body": "3"}}]
    answer = zd.post("/tickets/create_many.json", json={"tickets": tickets})
    assert answer.status_code == 200
    job = answer.json()["job_status"]
    assert job["status"] == "queued" and len(job["id"]) == 32
    done = zd.get(job["url"]).json()["job_status"]
    assert done["status"] == "completed" and done["total"] == 3
    results = done["results"]
    assert [r["index"] for r in results] == [0, 1, 2]
    assert results[1] == {
        "index": 1,
        "error": "TicketCreateFailed",
        "details": "Description: cannot be blank",
    }
    assert zd.get(f"/tickets/{results[2]['id']}").json()["ticket"]["description"] == "3"
    too_many = zd.post("/tickets/create_many", json={"tickets": [{}] * 101})
    assert too_many.status_code == 400 and too_many.json()["error"] == "TooManyValues"


def test_create_many_with_every_item_failing_fails_the_job(zd):
    job = zd.post("/tickets/create_many", json={"tickets": [{}]}).json()["job_status"]
    done = zd.get(f"/job_statuses/{job['id']}.json").json()["job_status"]
    assert done["status"] == "failed" and done["message"].startswith("Failed at ")


def test_job_statuses_show_many_answers_the_named_jobs_in_order(zd):
    first = zd.post("/tickets/create_many", json={"tickets": [{}]}).json()["job_status"]
    second = zd.post("/tickets/create_many.json", json={"tickets": [{"comment": {"body": "b"}}]})
    second = second.json()["job_status"]
    ids = f"{second['id']},{'0' * 32},{first['id']}"
    answer = zd.get("/job_statuses/show_many.json", params={"ids": ids})
    assert answer.status_code == 200
    jobs = answer.json()["job_statuses"]
    assert [(j["id"], j["status"]) for j in jobs] == [
        (second["id"], "completed"), (first["id"], "failed")]  # fmt: skip
    assert jobs[0] == zd.get(second["url"]).json()["job_status"]
    assert zd.get("/job_statuses/show_many", params={"ids": first["id"]}).json()[
        "job_statuses"][0]["id"] == first["id"]  # fmt: skip
    blank = zd.get("/job_statuses/show_many.json")
    assert (blank.status_code, blank.json()["error"]) == (400, "InvalidValue")
    too_many = zd.get("/job_statuses/show_many.json", params={"ids": ",".join(["a"] * 101)})
    assert (too_many.status_code, too_many.json()["error"]) == (400, "TooManyValues")


def test_job_statuses_are_kept_one_day(zd):
    job = zd.post("/tickets/create_many", json={"tickets": [{}]}).json()["job_status"]
    zd.advance(24 * 3600)
    assert zd.get(job["url"]).status_code == 404
    gone = zd.get("/job_statuses/show_many.json", params={"ids": job["id"]})
    assert gone.json() == {"job_statuses": []}


def test_imports_keep_timestamps_and_comments(zd):
    body = {
        "ticket": {
            "subject": "old",
            "created_at": "2024-03-01T10:00:00Z",
            "updated_at": "2024-03-02T11:00:00Z",
            "status": "solved",
            "comments": [
                {"value": "hi", "created_at": "2024-03-01T10:00:00Z"},
                {"body": "bye", "public": False},
            ],
        }
    }
    answer = zd.post("/imports/tickets.json", json=body)
    assert answer.status_code == 201
    ticket = answer.json()["ticket"]
    assert (ticket["created_at"], ticket["updated_at"]) == (
        "2024-03-01T10:00:00Z",
        "2024-03-02T11:00:00Z",
    )
    assert ticket["status"] == "solved" and ticket["description"] == "hi"
    comments = zd.get(f"/tickets/{ticket['id']}/comments").json()["comments"]
    assert [c["body"] for c in comments] == ["hi", "bye"]
    job = zd.post("/imports/tickets/create_many", json={"tickets": [body["ticket"]]}).json()
    assert zd.get(job["job_status"]["url"]).json()["job_status"]["status"] == "completed"


def test_users_search_create_or_update_and_organizations(sandbox, zd):
    org = sandbox.state.zendesk.create_organization("Acme", domain_names=["acme.example"])
    body = {
        "user": {
            "name": "Cy",
            "email": "cy@acme.example",
            "organization_id": org["id"],
            "user_fields": {"birthday": "1990-05-14"},
        }
    }
    made = zd.post("/users/create_or_update.json", json=body)
    assert made.status_code == 201
    user = made.json()["user"]
    assert made.headers["Location"] == f"/api/v2/users/{user['id']}.json"
    zd.advance(2)  # the account allows one create_or_update per second
    body["user"]["user_fields"] = {"plan": "gold"}
    again = zd.post("/users/create_or_update", json=body)
    assert again.status_code == 200
    assert again.json()["user"]["user_fields"] == {"birthday": "1990-05-14", "plan": "gold"}
    found = zd.get("/users/search.json", params={"query": "cy@acme.example"}).json()
    assert [u["id"] for u in found["users"]] == [user["id"]] and found["count"] == 1
    assert zd.get("/users/search", params={"query": "email:nobody@x.y"}).json()["users"] == []
    shown = zd.get(f"/organizations/{org['id']}.json").json()["organization"]
    assert shown["domain_names"] == ["acme.example"] and shown["name"] == "Acme"


def test_unknown_paths_and_wrong_methods_answer_zendesk_json(zd, sandbox):
    for method, path in [
        ("get", "/no_such_resource.json"),
        ("delete", "/tickets/1000"),
        ("patch", "/tickets"),
        ("get", "/tickets/not-a-number"),
    ]:
        answer = getattr(zd, method)(path)
        assert answer.status_code == 404, (method, path)
        assert answer.json() == {"error": "InvalidEndpoint", "description": "Not found"}
    # Other tools' paths keep their own answers.
    assert requests.get(f"{sandbox.url}/crm/v3/no-such-thing", timeout=5).status_code == 404

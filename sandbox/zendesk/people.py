"""Users and organizations of the fake account (a mixin of `ZendeskState`)."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from connectors.timefmt import format_iso, parse_iso
from sandbox.zendesk.errors import RecordNotFound, invalid
from sandbox.zendesk.shapes import LOCALE_IDS, render_organization, render_user

LOCALES_BY_ID = {number: name for name, number in LOCALE_IDS.items()}
# Fields create_or_update may change on an existing user.
USER_UPDATABLE = ("name", "locale", "organization_id", "role", "phone", "external_id", "tags")


def moment(value: datetime | str | None, default: datetime) -> datetime:
    """A timestamp given as datetime or ISO text, or `default`."""
    if value is None:
        return default
    return parse_iso(value) if isinstance(value, str) else value


class People:
    def create_organization(
        self,
        name: str,
        domain_names: Iterable[str] = (),
        organization_fields: dict[str, Any] | None = None,
        created_at: datetime | str | None = None,
        external_id: str | None = None,
    ) -> dict[str, Any]:
        if any(org["name"].lower() == name.lower() for org in self.orgs.values()):
            raise invalid("name", "Name: has already been taken", "DuplicateValue")
        when = moment(created_at, self.now())
        org = {
            "id": self.next_id("organization"),
            "name": name,
            "external_id": external_id,
            "created_at": format_iso(when),
            "updated_at": format_iso(when),
            "stamp": int(when.timestamp()),
            "domain_names": [d.lower() for d in domain_names],
            "organization_fields": dict(organization_fields or {}),
        }
        self.orgs[org["id"]] = org
        self.org_index.put(org["id"], org["stamp"])
        return render_organization(org, self.base)

    def organization(self, org_id: int) -> dict[str, Any]:
        if org_id not in self.orgs:
            raise RecordNotFound()
        return render_organization(self.orgs[org_id], self.base)

    def create_user(
        self,
        name: str,
        email: str | None,
        locale: str = "en-US",
        role: str = "end-user",
        organization_id: int | None = None,
        time_zone: str = "Europe/Madrid",
        user_fields: dict[str, Any] | None = None,
        created_at: datetime | str | None = None,
        external_id: str | None = None,
        phone: str | None = None,
    ) -> dict[str, Any]:
        address = email.strip().lower() if email else None
        self._check_new_user(address, name, organization_id)
        when = moment(created_at, self.now())
        user = {
            "id": self.next_id("user"),
            "name": name,
            "email": address,
            "created_at": format_iso(when),
            "updated_at": format_iso(when),
            "stamp": int(when.timestamp()),
            "iana_time_zone": time_zone,
            "locale": locale,
            "organization_id": organization_id,
            "role": role,
            "external_id": external_id,
            "phone": phone,
            "tags": [],
            "user_fields": dict(user_fields or {}),
        }
        self.users[user["id"]] = user
        if address:
            self.by_email[address] = user["id"]
        self.user_index.put(user["id"], user["stamp"])
        return render_user(user, self.base)

    def _check_new_user(self, email: str | None, name: str, organization_id: int | None) -> None:
        if email in self.by_email:
            raise invalid(
                "email", f"Email: {email} is already being used by another user", "DuplicateValue"
            )
        if not name:
            raise invalid("name", "Name: is too short (minimum is 1 character)", "TooShort")
        if organization_id is not None and organization_id not in self.orgs:
            raise invalid("organization_id", "Organization: is invalid")

    def requester_for(self, fields: dict[str, Any]) -> int:
        """A ticket's requester id; a `requester` object finds or creates the user by email."""
        spec = fields.get("requester")
        if isinstance(spec, dict):
            email = str(spec.get("email") or "").strip().lower()
            if "@" not in email:
                raise invalid("requester", "Requester: Email is invalid")
            if email in self.by_email:
                return self.by_email[email]
            locale = spec.get("locale") or LOCALES_BY_ID.get(spec.get("locale_id"), "en-US")
            name = spec.get("name") or email.split("@")[0]
            return self.create_user(name, email, locale=locale)["id"]
        requester_id = fields.get("requester_id") or self.agent_id
        if requester_id not in self.users:
            raise invalid("requester_id", "Requester: is invalid")
        return requester_id

    def user(self, user_id: int) -> dict[str, Any]:
        if user_id not in self.users:
            raise RecordNotFound()
        return render_user(self.users[user_id], self.base)

    def match_user(self, fields: dict[str, Any]) -> int | None:
        """The user create_or_update would update: same email, or same external_id (any case)."""
        email = str(fields.get("email") or "").strip().lower()
        if email in self.by_email:
            return self.by_email[email]
        external = str(fields.get("external_id") or "").lower()
        if external:
            for user in self.users.values():
                if (user["external_id"] or "").lower() == external:
                    return user["id"]
        return None

    def create_or_update_user(self, fields: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """(user, created). A known email only adds an identity in Zendesk; it is kept here."""
        user_id = self.match_user(fields)
        if user_id is None:
            locale = fields.get("locale") or LOCALES_BY_ID.get(fields.get("locale_id"), "en-US")
            created = self.create_user(
                fields.get("name") or "",
                fields.get("email"),
                locale=locale,
                role=fields.get("role") or "end-user",
                organization_id=fields.get("organization_id"),
                time_zone=fields.get("iana_time_zone") or "Europe/Madrid",
                user_fields=fields.get("user_fields"),
                external_id=fields.get("external_id"),
                phone=fields.get("phone"),
            )
            return created, True
        user = self.users[user_id]
        changed = {k: fields[k] for k in USER_UPDATABLE if k in fields and fields[k] != user[k]}
        merged = {**user["user_fields"], **(fields.get("user_fields") or {})}
        if merged != user["user_fields"]:
            changed["user_fields"] = merged
        if changed:
            now = self.now()
            user.update(changed, updated_at=format_iso(now), stamp=int(now.timestamp()))
            self.user_index.put(user_id, user["stamp"])
        return render_user(user, self.base), False

    def find_users(
        self, query: str | None = None, external_id: str | None = None
    ) -> list[dict[str, Any]]:
        """`users/search`: `external_id` exactly, or `query` in name or email (`email:` exact)."""
        if external_id is not None:
            wanted = external_id.lower()
            found = [u for u in self.users.values() if (u["external_id"] or "").lower() == wanted]
        else:
            text = (query or "").strip().lower()
            if text.startswith("email:"):
                user_id = self.by_email.get(text.removeprefix("email:").strip())
                found = [self.users[user_id]] if user_id else []
            elif text in self.by_email:
                found = [self.users[self.by_email[text]]]
            else:
                found = [
                    u
                    for u in self.users.values()
                    if text and text in f"{u['name']} {u['email'] or ''}".lower()
                ]
        return [render_user(u, self.base) for u in found]

"""Contacts: create (PUT), create-or-update (POST), and resolving an invoice's contact.

Rules: a Name is required and unique (case-insensitive) among ACTIVE contacts; ContactNumber is
not unique (Xero documents no rule). POST matches an existing contact by ContactID, then by
ContactNumber. An invoice's Contact is found by ContactID, ContactNumber, then Name; a Name that
matches nobody creates a contact, as Xero does.
"""

from __future__ import annotations

from typing import Any

from . import render
from .context import Context, Invalid, Result, failed, succeeded
from .store import Contact, new_id

READ_ONLY = {"ContactID", "UpdatedDateUTC", "Balances", "IsCustomer", "IsSupplier", "HasValidationErrors",
             "ValidationErrors", "StatusAttributeString", "HasAttachments", "Attachments", "ContactGroups",
             "MergedToContactID", "Warnings", "Name", "ContactNumber", "ContactStatus"}


def _active_with_name(ctx: Context, name: str, exclude: str | None = None) -> Contact | None:
    key = name.strip().casefold()
    return next((c for c in ctx.ledger.contacts.values()
                 if c.status == "ACTIVE" and c.contact_id != exclude and c.name.strip().casefold() == key), None)


def find(ctx: Context, ident: str) -> Contact | None:
    return ctx.ledger.contacts.get(ident.lower())


def save(ctx: Context, data: Any, mode: str, target: Contact | None = None) -> Result:
    """Create (``mode="create"``) or create-or-update (``"upsert"``) one contact."""
    if not isinstance(data, dict):
        return failed({}, ["A contact must be a JSON object"], "HasValidationErrors")
    try:
        existing = target
        if existing is None and data.get("ContactID"):
            existing = find(ctx, str(data["ContactID"]))
            if existing is None:
                raise Invalid(ctx.texts.DOCUMENT_ID_NOT_FOUND)
        if existing is None and mode == "upsert" and data.get("ContactNumber"):
            existing = next((c for c in ctx.ledger.contacts.values()
                             if c.contact_number == data["ContactNumber"]), None)
        contact = _update(ctx, existing, data) if existing else _create(ctx, data)
    except Invalid as exc:
        return failed(data, [str(exc)], "HasValidationErrors")
    return succeeded(render.contact(ctx.ledger, contact, ctx.today), [])


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in READ_ONLY}


def _create(ctx: Context, data: dict[str, Any]) -> Contact:
    name = data.get("Name")
    if not isinstance(name, str) or not name.strip():
        raise Invalid(ctx.texts.CONTACT_NAME_REQUIRED)
    status = data.get("ContactStatus", "ACTIVE")
    if status == "ACTIVE" and _active_with_name(ctx, name):
        raise Invalid(ctx.texts.contact_name_taken(name))
    contact = Contact(new_id(), name, ctx.now, ctx.ledger.next_seq(), data.get("ContactNumber"), status,
                      _fields(data))
    ctx.ledger.contacts[contact.contact_id] = contact
    return contact


def _update(ctx: Context, contact: Contact, data: dict[str, Any]) -> Contact:
    name = data.get("Name", contact.name)
    status = data.get("ContactStatus", contact.status)
    if not isinstance(name, str) or not name.strip():
        raise Invalid(ctx.texts.CONTACT_NAME_REQUIRED)
    if status == "ACTIVE" and _active_with_name(ctx, name, exclude=contact.contact_id):
        raise Invalid(ctx.texts.contact_name_taken(name))
    contact.name, contact.status = name, status
    if "ContactNumber" in data:
        contact.contact_number = data["ContactNumber"]
    contact.fields.update(_fields(data))
    contact.updated = ctx.now
    return contact


def resolve(ctx: Context, ref: Any) -> tuple[Contact | None, dict[str, Any] | None]:
    """The contact an invoice names: (existing contact, None) or (None, new contact fields)."""
    if not isinstance(ref, dict) or not any(ref.get(k) for k in ("ContactID", "ContactNumber", "Name")):
        raise Invalid(ctx.texts.CONTACT_IDENTITY)
    contacts = ctx.ledger.contacts.values()
    found = None
    if ref.get("ContactID"):
        found = find(ctx, str(ref["ContactID"]))
        if found is None:
            raise Invalid(ctx.texts.CONTACT_NOT_FOUND)
    if found is None and ref.get("ContactNumber"):
        found = next((c for c in contacts if c.contact_number == ref["ContactNumber"] and c.status == "ACTIVE"),
                     next((c for c in contacts if c.contact_number == ref["ContactNumber"]), None))
    if found is None and ref.get("Name"):
        found = _active_with_name(ctx, ref["Name"]) or next(
            (c for c in contacts if c.name.strip().casefold() == str(ref["Name"]).strip().casefold()), None)
    if found is None:
        if not ref.get("Name"):
            raise Invalid(ctx.texts.CONTACT_IDENTITY)
        return None, ref
    if found.status != "ACTIVE":
        raise Invalid(ctx.texts.CONTACT_ARCHIVED)
    return found, None


def create_from_invoice(ctx: Context, ref: dict[str, Any]) -> Contact:
    return _create(ctx, {k: v for k, v in ref.items() if k != "ContactID"})

"""Contact/Customer and Contact/Supplier: create, update (RowVersion), delete.

A company card needs ``CompanyName``; an individual (``IsIndividual``) needs ``LastName``.
``DisplayID`` (Card ID, ≤ 15 characters) is unique among cards when set (``*None`` = unset).
A card with transactions cannot be deleted.
"""

from __future__ import annotations

from . import errors
from .errors import MyobError
from .rules import Ctx, check_row_version, refuse_identity_on_post
from .store import Contact, new_uid
from .wire import row_version

_KNOWN = {"UID", "URI", "RowVersion", "DisplayID", "CompanyName", "FirstName", "LastName", "IsIndividual",
          "IsActive", "Type", "CurrentBalance", "LastModified", "Created"}


def _apply(ctx: Ctx, contact: Contact, body: dict) -> None:
    individual = bool(body.get("IsIndividual", False))
    if individual and not (body.get("LastName") or "").strip():
        raise MyobError(errors.REQUIRED, "LastName is required for an individual", details="LastName")
    if not individual and not (body.get("CompanyName") or "").strip():
        raise MyobError(errors.REQUIRED, "CompanyName is required", details="CompanyName")
    display_id = (body.get("DisplayID") or "*None").strip()
    if len(display_id) > 15:
        raise MyobError(errors.INVALID_VALUE, "DisplayID cannot be longer than 15 characters", details="DisplayID")
    if display_id != "*None" and any(c.display_id == display_id and c.uid != contact.uid
                                     for c in ctx.business.contacts.values()):
        raise MyobError(errors.DUPLICATE, f"The Card ID '{display_id}' is already in use", details="DisplayID")
    contact.is_individual, contact.display_id = individual, display_id
    contact.company_name = None if individual else body["CompanyName"].strip()
    contact.first_name, contact.last_name = body.get("FirstName"), body.get("LastName")
    contact.is_active = bool(body.get("IsActive", True))
    contact.fields = {k: v for k, v in body.items() if k not in _KNOWN}


def create(ctx: Ctx, kind: str, body: dict) -> Contact:
    refuse_identity_on_post(body)
    b = ctx.business
    contact = Contact(new_uid(), kind, b.next_seq(), ctx.now, ctx.now, row_version())
    _apply(ctx, contact, body)
    b.contacts[contact.uid] = contact
    return contact


def update(ctx: Ctx, contact: Contact, body: dict) -> Contact:
    check_row_version(contact.row_version, body.get("RowVersion"))
    _apply(ctx, contact, body)
    contact.last_modified, contact.row_version = ctx.now, row_version()
    return contact


def delete(ctx: Ctx, contact: Contact) -> None:
    b = ctx.business
    if any(s.contact_uid == contact.uid for s in b.sales.values()) or \
            any(p.contact_uid == contact.uid for p in b.payments.values()):
        raise MyobError(errors.CONTACT_IN_USE)
    del b.contacts[contact.uid]

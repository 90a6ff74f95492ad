"""Contacts: create, uniqueness of names among active contacts, lookups, archive, POST matching."""

from __future__ import annotations

import pytest

from .conftest import body_of, invoice

pytestmark = pytest.mark.anyio
TAKEN = ("The contact name Acme Pty Ltd is already assigned to another contact. "
         "The contact name must be unique across all active contacts.")


async def test_create_and_find_by_number_and_name(xero):
    created = body_of(await xero.put("Contacts", {"Contacts": [
        {"Name": "Acme Pty Ltd", "ContactNumber": "CUST-1", "EmailAddress": "a@acme.test",
         "Addresses": [{"AddressType": "STREET", "City": "Perth"}]},
        {"Name": "Other", "ContactNumber": "CUST-2"}]}))["Contacts"]
    assert created[0]["StatusAttributeString"] == "OK" and created[0]["ContactStatus"] == "ACTIVE"
    by_number = body_of(await xero.get("Contacts", params={"where": 'ContactNumber=="CUST-1"'}))["Contacts"]
    assert [c["ContactID"] for c in by_number] == [created[0]["ContactID"]]
    by_name = body_of(await xero.get("Contacts", params={"where": 'Name=="Other"'}))["Contacts"]
    assert [c["ContactNumber"] for c in by_name] == ["CUST-2"]
    one = body_of(await xero.get(f"Contacts/{created[0]['ContactID']}"))["Contacts"][0]
    assert one["EmailAddress"] == "a@acme.test" and one["Addresses"][0]["City"] == "Perth"
    searched = body_of(await xero.get("Contacts", params={"searchTerm": "acme"}))["Contacts"]
    assert len(searched) == 1


async def test_name_unique_among_active_contacts(xero):
    first = body_of(await xero.put("Contacts", {"Contacts": [{"Name": "Acme Pty Ltd"}]}))["Contacts"][0]
    duplicate = await xero.put("Contacts", {"Contacts": [{"Name": "acme pty ltd "}]})
    assert duplicate.status_code == 400
    assert body_of(duplicate)["Elements"][0]["ValidationErrors"][0]["Message"] == TAKEN.replace("Acme Pty Ltd", "acme pty ltd ")
    archived = await xero.post(f"Contacts/{first['ContactID']}", {"ContactStatus": "ARCHIVED"})
    assert body_of(archived)["Contacts"][0]["ContactStatus"] == "ARCHIVED"
    assert (await xero.put("Contacts", {"Contacts": [{"Name": "Acme Pty Ltd"}]})).status_code == 200
    unarchive = await xero.post(f"Contacts/{first['ContactID']}", {"ContactStatus": "ACTIVE"})
    assert body_of(unarchive)["Elements"][0]["ValidationErrors"][0]["Message"] == TAKEN
    listed = body_of(await xero.get("Contacts"))["Contacts"]
    assert len(listed) == 1  # archived contacts are hidden unless includeArchived=true
    assert len(body_of(await xero.get("Contacts", params={"includeArchived": "true"}))["Contacts"]) == 2


async def test_archived_contact_rejects_new_invoices(xero):
    contact = body_of(await xero.put("Contacts", {"Contacts": [{"Name": "Gone"}]}))["Contacts"][0]
    await xero.post(f"Contacts/{contact['ContactID']}", {"ContactStatus": "ARCHIVED"})
    response = await xero.put("Invoices", {"Invoices": [invoice(contact={"ContactID": contact["ContactID"]})]})
    assert "has been archived" in body_of(response)["Elements"][0]["ValidationErrors"][0]["Message"]


async def test_post_matches_by_id_then_number_and_requires_a_name(xero):
    created = body_of(await xero.post("Contacts", {"Contacts": [{"Name": "A", "ContactNumber": "N-1"}]}))["Contacts"][0]
    renamed = body_of(await xero.post("Contacts", {"Contacts": [{"Name": "A2", "ContactNumber": "N-1"}]}))["Contacts"][0]
    assert renamed["ContactID"] == created["ContactID"] and renamed["Name"] == "A2"
    by_id = body_of(await xero.post("Contacts", {"ContactID": created["ContactID"], "EmailAddress": "x@y.z"}))
    assert by_id["Contacts"][0]["EmailAddress"] == "x@y.z"
    nameless = await xero.put("Contacts", {"Contacts": [{"EmailAddress": "x@y.z"}]}, params={"summarizeErrors": "false"})
    element = body_of(nameless)["Contacts"][0]
    assert element["HasValidationErrors"] is True and element["StatusAttributeString"] == "ERROR"
    missing = await xero.post("Contacts", {"ContactID": "11111111-1111-1111-1111-111111111111", "Name": "Q"})
    assert body_of(missing)["Elements"][0]["ValidationErrors"][0]["Message"] == \
        "The document with the supplied id was not found for this endpoint."


async def test_balances_and_customer_flags(xero):
    await xero.put("Invoices", {"Invoices": [invoice(contact={"Name": "Payer"}, amount="50.00")]})
    contact = body_of(await xero.get("Contacts", params={"where": 'Name=="Payer"'}))["Contacts"][0]
    assert contact["IsCustomer"] is True and contact["IsSupplier"] is False
    assert str(contact["Balances"]["AccountsReceivable"]["Outstanding"]) == "55.00"

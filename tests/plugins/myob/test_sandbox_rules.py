"""Lock period, financial year, must-reverse, Company/Preferences and the conformance levers."""

from __future__ import annotations

from datetime import date

import pytest

from plugins.myob.sandbox import MyobSandbox

from .conftest import body_of

pytestmark = pytest.mark.anyio


async def test_preferences_and_accounting_properties(myob, http):
    prefs = body_of(await myob.get("Company/Preferences"))
    assert prefs["System"]["LockPeriodPriorTo"] is None
    assert prefs["System"]["TransactionsCannotBeChangedMustBeReversed"] is False
    props = body_of(await myob.get("GeneralLedger/AccountingProperties"))["Items"][0]
    assert (props["CurrentFinancialYear"], props["LastMonthFinancialYear"]) == (2025, 6)
    await http.post("/__sandbox__/preferences", json={"LockPeriodPriorTo": "2026-03-01",
                                                      "TransactionsCannotBeChangedMustBeReversed": True})
    prefs = body_of(await myob.get("Company/Preferences"))["System"]
    assert prefs["LockPeriodPriorTo"] == "2026-03-01T00:00:00" and prefs["TransactionsCannotBeChangedMustBeReversed"]


async def test_lock_period_refuses_dates_before_it(myob, http):
    customer = await myob.customer()
    await http.post("/__sandbox__/preferences", json={"LockPeriodPriorTo": "2026-03-10"})
    locked = await myob.post("Sale/Invoice/Service", {"Date": "2026-03-09", "Customer": {"UID": customer["UID"]},
                                                      "Lines": [await myob.line("1.00")]})
    assert locked.status_code == 400
    assert body_of(locked)["Errors"][0]["Name"] == "BusinessEvent_DateOccured_InLockPeriod"
    assert (await myob.invoice(customer, "ON-LOCK", date="2026-03-10"))["Number"] == "ON-LOCK"
    await http.post("/__sandbox__/preferences", json={"lock_inclusive": True})
    boundary = await myob.post("Sale/Invoice/Service", {"Date": "2026-03-10", "Customer": {"UID": customer["UID"]},
                                                        "Lines": [await myob.line("1.00")]})
    assert boundary.status_code == 400


async def test_editing_a_locked_invoice_is_refused(myob):
    customer = await myob.customer()
    invoice = await myob.invoice(customer, date="2026-03-02")
    myob.sandbox.control.lock_until(date(2026, 3, 3))
    refused = await myob.put(f"Sale/Invoice/Service/{invoice['UID']}", {**invoice, "Comment": "late"})
    assert refused.status_code == 400 and body_of(refused)["Errors"][0]["ErrorCode"] == 4223
    myob.sandbox.control.lock_until(None)
    assert (await myob.put(f"Sale/Invoice/Service/{invoice['UID']}", {**invoice, "Comment": "ok"})).status_code == 200


async def test_dates_before_the_financial_year_are_refused(myob):
    customer = await myob.customer()
    early = await myob.post("Sale/Invoice/Service", {"Date": "2024-06-30", "Customer": {"UID": customer["UID"]},
                                                     "Lines": [await myob.line("1.00")]})
    assert early.status_code == 400
    error = body_of(early)["Errors"][0]
    assert (error["Name"], error["ErrorCode"]) == ("DatePriorToBeginningOfFinancialYear", 25008)
    assert (await myob.invoice(customer, "FY-START", date="2024-07-01"))["Number"] == "FY-START"


async def test_must_reverse_blocks_delete_and_change(myob, http):
    customer = await myob.customer()
    invoice = await myob.invoice(customer)
    payment = body_of(await myob.pay(customer, invoice, "10.00"))
    await http.post("/__sandbox__/preferences", json={"TransactionsCannotBeChangedMustBeReversed": True})
    for response in (await myob.delete(f"Sale/CustomerPayment/{payment['UID']}"),
                     await myob.delete(f"Sale/Invoice/Service/{invoice['UID']}")):
        assert response.status_code == 400
        error = body_of(response)["Errors"][0]
        assert (error["Name"], error["ErrorCode"], error["Message"]) == (
            "TransactionsCannotBeDeleted", 25003, "Transactions cannot be deleted and must be reversed")
    current = body_of(await myob.get(f"Sale/Invoice/Service/{invoice['UID']}"))
    assert (await myob.put(f"Sale/Invoice/Service/{invoice['UID']}", current)).status_code == 400


async def test_default_financial_year_keeps_the_previous_year_open():
    from datetime import datetime, timezone

    from core.clock import ManualClock
    sandbox = MyobSandbox(clock=ManualClock(datetime(2026, 11, 22, tzinfo=timezone.utc)))
    business = sandbox.business()
    assert business.current_financial_year == 2026 and business.financial_year_start == date(2025, 7, 1)


async def test_control_counts_and_page_size(myob):
    control = myob.sandbox.control
    customer = await myob.customer()
    await myob.customer("Supplier Co", kind="Supplier")
    for n in range(3):
        await myob.invoice(customer, f"C-{n}")
    control.set_page_size(2)
    page = body_of(await myob.get("Sale/Invoice", params={"$top": "1000"}))
    assert len(page["Items"]) == 2 and page["Count"] == 3 and page["NextPageLink"]
    assert (control.count("contact"), control.count("invoice"), control.count("payment")) == (2, 3, 0)
    with pytest.raises(ValueError):
        control.count("journal")

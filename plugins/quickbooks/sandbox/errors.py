"""QBO faults: the ``Fault`` body, the gateway body, and the error catalogue (fact sheet §4).

Texts marked *sandbox wording* have no verbatim source; plugins must match on ``code`` only.
Override any entry with ``QuickBooksSandbox(messages_overrides={"6140": (message, detail)})``.
"""

from __future__ import annotations

from typing import Any

STALE = "Stale Object Error : You and {user} were working on this at the same time. {user} finished before you did, so your work was not saved."
INACTIVE = ("Something you're trying to use has been made inactive. Check the fields with accounts, customers, "
            "items, vendors or employees.")

# code → (Message, Detail template). Detail templates take str.format keywords.
CATALOGUE: dict[str, tuple[str, str]] = {
    "5010": ("Stale Object Error", STALE),
    "6140": ("Duplicate Document Number Error",
             "Duplicate Document Number Error : You must specify a different number. This number has already "
             "been used. DocNumber={number} is assigned to TxnType={txn_type} with TxnId={txn_id}"),
    "6240": ("Duplicate Name Exists Error",
             "The name supplied already exists. : Another customer, vendor or employee is already using this "
             "name. Please use a different name."),
    "6210": ("Account Period Closed, Cannot Update Through Services API",
             "The account period has closed and the account books cannot be updated through the QBO Services "
             "API. Please use the QBO website to make these changes."),
    "6540": ("Deposited Transaction cannot be changed",
             "This transaction has been deposited. If you want to change or delete it, you must first edit the "
             "deposit it appears on and remove it."),
    "2500": ("Invalid Reference Id", "Invalid Reference Id : " + INACTIVE),
    "610": ("Object Not Found", "Object Not Found : {detail}"),
    "620": ("TxnID Cannot Be Linked", "TxnID Cannot Be Linked : {detail}"),  # detail: sandbox wording
    "2020": ("Required param missing, need to supply the required value for the API",
             "Required parameter {field} is missing in the request"),
    "2010": ("Request has invalid or unsupported property",
             "Property Name:Unrecognized field \"{field}\" (class com.intuit.schema.finance.v3.{entity}), not "
             "marked as ignorable specified is unsupported or invalid"),
    "6000": ("A business validation error has occurred while processing your request",
             "Business Validation Error: {detail}"),
    "6070": ("A business validation error has occurred while processing your request",  # sandbox wording
             "Business Validation Error: Amount is not equal to UnitPrice * Qty. Supplied value:{amount}"),
    "6080": ("No Name Provided", "No Name Provided : {detail}"),  # detail: sandbox wording
    "4000": ("Error parsing query", "QueryParserError: {detail}"),
    "4001": ("Invalid query", "QueryValidationError: {detail}"),  # sandbox wording
    "1040": ("Batch size exceeds allowed limit", "Batch size exceeds allowed limit : maximum {limit} items"),
    "600": ("Duplicate Request ID", "The request ID you're trying to use already exists: {detail}"),
    "500": ("Unsupported Operation", "Operation {detail} is not supported."),
    "2050": ("String length is either shorter or longer than supported by specification",
             "String length specified does not match the supported length. Min:0 Max:{limit} supported. "
             "Supplied length:{length}"),
    "10000": ("An application error has occurred while processing your request", "System Failure Error: {detail}"),
}


class QBOFault(Exception):
    """A service fault: HTTP status, fault type and its errors ``(code, Message, Detail, element)``."""

    def __init__(self, code: str, *, status: int = 400, fault_type: str = "ValidationFault", element: str = "",
                 texts: dict[str, tuple[str, str]] | None = None, **detail: Any) -> None:
        message, template = (texts or CATALOGUE).get(code, CATALOGUE.get(code, ("Error", "{detail}")))
        try:
            text = template.format(**detail)
        except KeyError:
            text = template
        super().__init__(f"{code} {message}: {text}")
        self.code, self.status, self.fault_type = code, status, fault_type
        self.message, self.detail, self.element = message, text, element

    def fault(self) -> dict[str, Any]:
        return {"Error": [{"Message": self.message, "Detail": self.detail, "code": self.code,
                           "element": self.element}], "type": self.fault_type}


def gateway_fault(message: str, detail: str, code: str, fault_type: str, millis: int) -> dict[str, Any]:
    """The lower-case body the Intuit gateway sends for 401/403 (fact sheet §4)."""
    return {"warnings": None, "intuitObject": None,
            "fault": {"error": [{"message": message, "detail": detail, "code": code, "element": None}],
                      "type": fault_type},
            "report": None, "queryResponse": None, "batchItemResponse": [], "attachableResponse": [],
            "syncErrorResponse": None, "requestId": None, "time": millis, "status": None, "cdcresponse": []}


def xml_fault(code: str, message: str, detail: str, fault_type: str) -> str:
    """A bare ``<IntuitResponse><Fault>`` document (throttling, gateway timeouts, auth)."""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<IntuitResponse xmlns="http://schema.intuit.com/finance/v3">'
            f'<Fault type="{fault_type}"><Error code="{code}"><Message>{message}</Message>'
            f'<Detail>{detail}</Detail></Error></Fault></IntuitResponse>')


THROTTLE_XML = xml_fault("3001", "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                         "The request limit was reached.  Try again later", "SERVICE")

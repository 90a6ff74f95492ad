"""MYOB's error bodies and the names, codes and texts the sandbox uses, with their provenance.

Body: ``{"Errors": [{"Name", "Message", "AdditionalDetails", "ErrorCode", "Severity", "LearnMore"}],
"Information": "..."}`` (research/myob.md §5). Tags: [D] MYOB developer site, [S] MYOB support,
[3P] third party quoting MYOB, [notes] unverified notes, [sandbox] no source: the sandbox's own
wording — plugins must not match on those (match on status and, at most, the Name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Kind:
    """One error: HTTP status, Name, ErrorCode (or None) and default Message."""

    status: int
    name: str
    code: int | None
    message: str


RATE_LIMIT_SECOND = Kind(403, "RateLimitError", None, "API key has exceeded the per-second rate limit")  # [D]
RATE_LIMIT_DAY = Kind(403, "RateLimitError", None, "API key has exceeded the daily rate limit")  # [D]
DEVELOPER_INACTIVE = Kind(403, "DeveloperInactive", None, "API key is missing or inactive")  # [D]
GATEWAY_TIMEOUT = Kind(504, "GatewayTimeout", None, "Connection to the API has timed out")  # [D]/[3P]
TOKEN_INVALID = Kind(401, "OAuthTokenIsInvalid", None, "The supplied OAuth token (Bearer) is not valid")  # [3P] text; Name [sandbox]
CF_ACCESS_DENIED = Kind(401, "AccessDenied", None, "Invalid company file credentials (x-myobapi-cftoken)")  # [sandbox]
NO_FILE_ACCESS = Kind(403, "AccessDenied", None, "The user does not have access to this company file")  # [sandbox]
VERSION_UNSUPPORTED = Kind(400, "UnsupportedApiVersion", None, "x-myobapi-version must be v2")  # [sandbox]
NOT_FOUND = Kind(404, "NotFound", 150, "The requested resource could not be found")  # Name/code [3P]
PUT_NOT_FOUND = Kind(404, "NotFound", 150, "PUT only supports update operations for existing records")  # [D]
METHOD_NOT_ALLOWED = Kind(405, "MethodNotAllowed", None, "The requested method is not supported by this resource")  # [sandbox]
SERIALIZATION = Kind(400, "SerializationError", 50, "The request body could not be read")  # Name/code [3P]
REQUIRED = Kind(400, "Required", 100, "A required field is missing")  # Name/code [3P]
REFERENCE_NOT_FOUND = Kind(400, "NotFound", 150, "A referenced entity could not be found")  # Name/code [3P]
INVALID_VALUE = Kind(400, "InvalidValue", None, "A field has an invalid value")  # [sandbox]
ROW_VERSION = Kind(409, "IncorrectRowVersionSupplied", 111,  # Name [S]; code and text [notes]
                   "An Update operation requires the latest RowVersion for each of the existing entities being modified")
DUPLICATE = Kind(400, "DuplicateIdentifier", None, "The identifier is already in use")  # Name [3P]; text [sandbox]
LOCK_PERIOD = Kind(400, "BusinessEvent_DateOccured_InLockPeriod", 4223,  # Name [3P] Ocerra; code [3P] AroFlo
                   "The date of this transaction is in a locked period")  # [sandbox]
PRIOR_TO_FY = Kind(400, "DatePriorToBeginningOfFinancialYear", 25008,  # [3P] Pest Register
                   "The date cannot be prior to the beginning of the financial year")  # [sandbox]
CANNOT_DELETE = Kind(400, "TransactionsCannotBeDeleted", 25003,  # [D] status, [3P] name/code/text
                     "Transactions cannot be deleted and must be reversed")
CANNOT_CHANGE = Kind(400, "TransactionsCannotBeChanged", 25003,  # [sandbox] name, by analogy with 25003
                     "Transactions cannot be changed and must be reversed")
HAS_PAYMENTS = Kind(400, "TransactionHasPaymentsApplied", None,  # [sandbox]
                    "This transaction has payments applied to it; delete the payments first")
OVER_APPLIED = Kind(400, "AmountAppliedExceedsBalanceDue", None,  # [sandbox]
                    "The amount applied is greater than the balance due")
APPLIED_EXCEEDS_PAYMENT = Kind(400, "AmountAppliedExceedsPayment", None,  # [sandbox]
                               "The total amount applied is greater than the payment amount")
RECONCILED = Kind(400, "TransactionReconciled", None,  # [sandbox]
                  "This payment has been reconciled and cannot be deleted")
CONTACT_IN_USE = Kind(400, "ContactInUse", None, "This card has transactions and cannot be deleted")  # [sandbox]
QUERY = Kind(400, "InvalidODataQuery", None, "The query could not be parsed")  # [sandbox]
INJECTED = Kind(400, "ValidationError", None, "The request was rejected (sandbox: injected permanent failure)")  # [sandbox]


class MyobError(Exception):
    """A failure answered with MYOB's error body."""

    def __init__(self, kind: Kind, message: str | None = None, details: str | None = None,
                 status: int | None = None) -> None:
        super().__init__(message or kind.message)
        self.kind, self.message, self.details = kind, message or kind.message, details
        self.status = status or kind.status


def body(kind: Kind, message: str | None = None, details: str | None = None,
         information: str | None = None) -> dict[str, Any]:
    """MYOB's error envelope for one error."""
    return {"Errors": [{"Name": kind.name, "Message": message or kind.message, "AdditionalDetails": details,
                        "ErrorCode": kind.code, "Severity": "Error", "LearnMore": None}],
            "Information": information or "Warning, error messages have not been finalised in this release "
                                          "and may change"}


def error_body(exc: MyobError) -> dict[str, Any]:
    return body(exc.kind, exc.message, exc.details)


def legacy_body(kind: Kind, message: str | None = None) -> dict[str, Any]:
    """Legacy Essentials errors: the same fields in camelCase (shape [sandbox])."""
    return {"errors": [{"name": kind.name, "message": message or kind.message, "severity": "Error"}]}

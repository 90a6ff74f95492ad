"""Xero's ``where`` and ``order`` query parameters, for the subset a sync plugin uses.

Supported ``where`` grammar (anything else is refused with a QueryParseException naming it)::

    expr    := and (("OR" | "||") and)*
    and     := unary (("AND" | "&&") unary)*
    unary   := ("NOT" | "!") unary | "(" expr ")" | test
    test    := Field op value | Field.Contains(string) | Field.StartsWith(string) | Field.EndsWith(string)
    op      := == | = | != | <> | >= | <= | > | <
    value   := "string" | number | true | false | null | Guid("…") | DateTime(y, m, d[, h, mi, s])

Fields are PascalCase paths (``Contact.ContactID``) from the endpoint's list of filterable
fields. Values are compared typed: a DateTime literal with dates, Guid with ids
(case-insensitive), numbers with Decimal amounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable

FIELDS: dict[str, set[str]] = {
    "Invoice": {"Type", "Status", "InvoiceNumber", "Reference", "Date", "DueDate", "InvoiceID", "Contact.ContactID",
                "Contact.Name", "Contact.ContactNumber", "Total", "SubTotal", "TotalTax", "AmountDue", "AmountPaid",
                "AmountCredited", "CurrencyCode", "CurrencyRate", "UpdatedDateUTC", "FullyPaidOnDate",
                "LineAmountTypes", "SentToContact", "HasAttachments"},
    "Contact": {"ContactID", "Name", "ContactNumber", "AccountNumber", "EmailAddress", "ContactStatus", "FirstName",
                "LastName", "IsCustomer", "IsSupplier", "UpdatedDateUTC", "TaxNumber", "DefaultCurrency"},
    "Payment": {"PaymentID", "Date", "Amount", "BankAmount", "Reference", "Status", "PaymentType", "IsReconciled",
                "CurrencyRate", "UpdatedDateUTC", "Invoice.InvoiceID", "Invoice.InvoiceNumber", "Invoice.Type",
                "Invoice.Contact.ContactID", "Account.AccountID", "Account.Code"},
    "Account": {"AccountID", "Code", "Name", "Type", "Status", "Class", "SystemAccount", "BankAccountType",
                "TaxType", "EnablePaymentsToAccount", "CurrencyCode", "UpdatedDateUTC"},
}

_DATES = {"Date", "DueDate", "UpdatedDateUTC", "FullyPaidOnDate"}
_NUMBERS = {"Total", "SubTotal", "TotalTax", "AmountDue", "AmountPaid", "AmountCredited", "CurrencyRate", "Amount",
            "BankAmount"}
_BOOLS = {"SentToContact", "HasAttachments", "IsCustomer", "IsSupplier", "IsReconciled", "EnablePaymentsToAccount"}

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"\\]|\\.|"")*")
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<op>==|!=|<>|>=|<=|&&|\|\||[=<>!(),.])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
""", re.VERBOSE)


class QueryError(ValueError):
    """A ``where``/``order`` the sandbox cannot run (Xero: 400 QueryParseException)."""


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str


@dataclass(frozen=True)
class Guid:
    value: str


def _tokens(text: str) -> list[_Tok]:
    out, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise QueryError(f"Syntax error at position {pos} in where: {text[pos:pos + 20]!r}")
        pos = match.end()
        if match.lastgroup != "ws":
            out.append(_Tok(match.lastgroup, match.group()))
    return out


class _Parser:
    def __init__(self, text: str, entity: str) -> None:
        self.toks, self.i, self.entity, self.text = _tokens(text), 0, entity, text

    def peek(self, offset: int = 0) -> _Tok | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def take(self, text: str | None = None) -> _Tok:
        tok = self.peek()
        if tok is None or (text is not None and tok.text.upper() != text.upper()):
            raise QueryError(f"Expected {text or 'more input'} in where: {self.text!r}")
        self.i += 1
        return tok

    def at(self, *texts: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.text.upper() in texts

    def parse(self) -> Callable[[dict], bool]:
        expr = self.expr()
        if self.peek() is not None:
            raise QueryError(f"Unexpected {self.peek().text!r} in where: {self.text!r}")
        return expr

    def expr(self) -> Callable[[dict], bool]:
        parts = [self.conj()]
        while self.at("OR", "||"):
            self.take()
            parts.append(self.conj())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def conj(self) -> Callable[[dict], bool]:
        parts = [self.unary()]
        while self.at("AND", "&&"):
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def unary(self) -> Callable[[dict], bool]:
        if self.at("NOT", "!"):
            self.take()
            inner = self.unary()
            return lambda r: not inner(r)
        if self.at("("):
            self.take("(")
            inner = self.expr()
            self.take(")")
            return inner
        return self.test()

    def field(self) -> tuple[str, list[str]]:
        parts = [self.take().text]
        while self.at(".") and self.peek(1) is not None and self.peek(1).kind == "name":
            nxt = self.peek(1).text
            if nxt in ("Contains", "StartsWith", "EndsWith") or (self.peek(2) is not None and self.peek(2).text == "("):
                break
            self.take(".")
            parts.append(self.take().text)
        path = ".".join(parts)
        if path not in FIELDS[self.entity]:
            raise QueryError(f"No property or field '{path}' exists in type '{self.entity}' "
                             f"(the sandbox filters on: {', '.join(sorted(FIELDS[self.entity]))})")
        return path, parts

    def test(self) -> Callable[[dict], bool]:
        tok = self.peek()
        if tok is None or tok.kind != "name":
            raise QueryError(f"Expected a field name in where: {self.text!r}")
        path, parts = self.field()
        if self.at("."):
            self.take(".")
            method = self.take().text
            if method not in ("Contains", "StartsWith", "EndsWith"):
                raise QueryError(f"The sandbox does not support the method '{method}' in where "
                                 "(supported: Contains, StartsWith, EndsWith)")
            self.take("(")
            arg = self.value()
            self.take(")")
            if not isinstance(arg, str):
                raise QueryError(f"{method} needs a string argument in where: {self.text!r}")
            test = {"Contains": str.__contains__, "StartsWith": str.startswith, "EndsWith": str.endswith}[method]
            return lambda r: isinstance(_get(r, parts), str) and test(_get(r, parts), arg)
        op_tok = self.take()
        op = {"=": "==", "<>": "!="}.get(op_tok.text, op_tok.text)
        if op not in ("==", "!=", ">=", "<=", ">", "<"):
            raise QueryError(f"The sandbox does not support the operator {op_tok.text!r} in where: {self.text!r}")
        value = self.value()
        _check_literal(path, value)
        return lambda r: _compare(_get(r, parts), op, value, path)

    def value(self) -> Any:
        tok = self.take()
        if tok.kind == "string":
            return re.sub(r'\\(.)|""', lambda m: m.group(1) or '"', tok.text[1:-1])
        if tok.kind == "number":
            return Decimal(tok.text)
        word = tok.text.upper()
        if word in ("TRUE", "FALSE"):
            return word == "TRUE"
        if word == "NULL":
            return None
        if word in ("GUID", "DATETIME"):
            self.take("(")
            args = [self.value()]
            while self.at(","):
                self.take(",")
                args.append(self.value())
            self.take(")")
            if word == "GUID":
                if len(args) != 1 or not isinstance(args[0], str):
                    raise QueryError("Guid(...) takes one quoted id")
                return Guid(args[0].lower())
            if not 3 <= len(args) <= 6 or not all(isinstance(a, Decimal) for a in args):
                raise QueryError("DateTime(...) takes year, month, day[, hour, minute, second]")
            try:
                return datetime(*(int(a) for a in args), tzinfo=timezone.utc)
            except ValueError as exc:
                raise QueryError(f"DateTime(...): {exc}") from exc
        raise QueryError(f"The sandbox does not support the value {tok.text!r} in where: {self.text!r}")


def _check_literal(path: str, value: Any) -> None:
    """Refuse a literal of the wrong type for the field, before any record is read."""
    name = path.rsplit(".", 1)[-1]
    if value is None:
        return
    if name in _DATES:
        ok, want = isinstance(value, datetime), "DateTime(y, m, d)"
    elif name in _NUMBERS:
        ok, want = isinstance(value, Decimal), "a number"
    elif name in _BOOLS:
        ok, want = isinstance(value, bool), "true or false"
    elif name.endswith("ID"):
        ok, want = isinstance(value, (Guid, str)), 'Guid("…") or a quoted id'
    else:
        ok, want = isinstance(value, str), "a quoted string"
    if not ok:
        raise QueryError(f"Operator is incompatible with operand types: '{path}' needs {want}, not {value!r}")


def _get(record: dict, parts: list[str]) -> Any:
    value: Any = record
    for part in parts:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _typed(actual: Any, expected: Any, path: str) -> tuple[Any, Any]:
    if expected is None or actual is None:
        return actual, expected
    if isinstance(expected, datetime):
        if isinstance(actual, datetime):
            return actual, expected
        if isinstance(actual, date):
            return datetime(actual.year, actual.month, actual.day, tzinfo=timezone.utc), expected
    elif isinstance(expected, Guid):
        return str(actual).lower(), expected.value
    elif isinstance(expected, bool):
        if isinstance(actual, bool):
            return actual, expected
    elif isinstance(expected, Decimal):
        if isinstance(actual, (Decimal, int)) and not isinstance(actual, bool):
            return actual, expected
    elif isinstance(expected, str):
        if isinstance(actual, str):
            return actual, expected
    raise QueryError(f"Operator is incompatible with operand types: field '{path}' ({type(actual).__name__}) "
                     f"and value {expected!r}")


def _compare(actual: Any, op: str, expected: Any, path: str) -> bool:
    a, b = _typed(actual, expected, path)
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if a is None or b is None:
        return False
    return {">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b}[op]


def compile_where(text: str, entity: str) -> Callable[[dict], bool]:
    """A predicate over rendered records of ``entity`` (Invoice, Contact, Payment, Account)."""
    return _Parser(text, entity).parse()


def sort_records(records: list[dict], order: str | None, entity: str) -> list[dict]:
    """Apply ``order=Field [ASC|DESC][, Field …]`` (stable; missing values first)."""
    if not order or not order.strip():
        return records
    keys = []
    for part in order.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise QueryError(f"Cannot order by {part.strip()!r}: use 'Field [ASC|DESC]'")
        if words[0] not in FIELDS[entity]:
            raise QueryError(f"No property or field '{words[0]}' exists in type '{entity}'")
        keys.append((words[0].split("."), len(words) == 2 and words[1].upper() == "DESC"))
    result = list(records)
    for parts, desc in reversed(keys):
        result.sort(key=lambda r: (_get(r, parts) is not None, _sortable(_get(r, parts))), reverse=desc)
    return result


def _sortable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc).timestamp()
    if isinstance(value, (bool, int, Decimal)):
        return Decimal(int(value)) if isinstance(value, bool) else value
    return "" if value is None else str(value)

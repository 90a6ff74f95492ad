"""The OData subset MYOB documents: ``$filter``, ``$orderby``, ``$top``, ``$skip`` over rendered records.

``$filter``: ``eq ne gt ge lt le``, ``and``/``or``/``not``, parentheses, literals ``'text'`` (``''``
escapes a quote), numbers, ``true/false/null``, ``datetime'2026-03-01'`` (or with a time),
``guid'…'``; functions ``substringof('x', Field)`` (case-sensitive), ``startswith(Field, 'x')``,
``endswith``, ``tolower``, ``toupper``; nested paths ``Terms/DueDate``; collection lambdas
``Lines/any(x: x/Account/DisplayID eq '4-1000')``. Anything else raises :class:`QueryError`.
Fields are looked up case-sensitively on the rendered JSON, as OData does.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable

_TOKEN = re.compile(r"""\s*(?:
    (?P<typed>(?:datetime|guid|datetimeoffset)'(?:[^']|'')*')
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>-?\d+(?:\.\d+)?[mMdD]?)
  | (?P<punct>[(),:])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)
)""", re.VERBOSE)
_COMPARE = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCS = {"substringof", "startswith", "endswith", "tolower", "toupper", "any"}
_MISSING = object()


class QueryError(ValueError):
    """An unsupported or malformed query option."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise QueryError(f"Syntax error at position {pos} in '{text}'.")
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _as_datetime(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return value


def _resolve(record: Any, path: list[str]) -> Any:
    for part in path:
        if record is None:
            return None
        if not isinstance(record, dict) or part not in record:
            raise QueryError(f"Could not find a property named '{part}' on the resource.")
        record = record[part]
    return record


def _compare(op: str, left: Any, right: Any) -> bool:
    if isinstance(left, date) or isinstance(right, date):
        left, right = _as_datetime(left), _as_datetime(right)
    if isinstance(left, str) and isinstance(right, str) and _GUIDISH.fullmatch(left) and _GUIDISH.fullmatch(right):
        left, right = left.lower(), right.lower()
    if op == "eq":
        return left == right
    if op == "ne":
        return left != right
    if left is None or right is None:
        return False
    try:
        return {"gt": left > right, "ge": left >= right, "lt": left < right, "le": left <= right}[op]
    except TypeError:
        raise QueryError(f"The operator '{op}' cannot compare {type(left).__name__} and {type(right).__name__}.") from None


_GUIDISH = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
Expr = Callable[[dict, dict], Any]  # (record, lambda variables) → value


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens, self.pos = _tokens(text), 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def word(self) -> str | None:
        token = self.peek()
        return token[1].lower() if token and token[0] == "name" else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise QueryError(f"Expected '{value}'" + (f" but found '{token[1]}'." if token else " at the end."))
        self.pos += 1
        return token

    def parse(self) -> Expr:
        expr = self.or_()
        if self.peek() is not None:
            raise QueryError(f"Unexpected '{self.peek()[1]}'.")
        return expr

    def or_(self) -> Expr:
        left = self.and_()
        while self.word() == "or":
            self.take()
            a, b = left, self.and_()
            left = lambda r, v, a=a, b=b: bool(a(r, v)) or bool(b(r, v))  # noqa: E731
        return left

    def and_(self) -> Expr:
        left = self.not_()
        while self.word() == "and":
            self.take()
            a, b = left, self.not_()
            left = lambda r, v, a=a, b=b: bool(a(r, v)) and bool(b(r, v))  # noqa: E731
        return left

    def not_(self) -> Expr:
        if self.word() == "not":
            self.take()
            inner = self.not_()
            return lambda r, v: not inner(r, v)
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.primary()
        op = self.word()
        if op in _COMPARE:
            self.take()
            right = self.primary()
            return lambda r, v: _compare(op, _value(left(r, v)), _value(right(r, v)))
        return left

    def primary(self) -> Expr:
        token = self.take()
        kind, text = token
        if kind == "punct" and text == "(":
            inner = self.or_()
            self.take(")")
            return inner
        if kind == "string":
            value = text[1:-1].replace("''", "'")
            return lambda r, v: value
        if kind == "typed":
            prefix, _, rest = text.partition("'")
            literal = rest[:-1].replace("''", "'")
            if prefix.lower().startswith("datetime"):
                parsed = _as_datetime(literal.replace(" ", "T"))
                if not isinstance(parsed, datetime):
                    raise QueryError(f"Unrecognized 'Edm.DateTime' literal '{text}'.")
                return lambda r, v: parsed
            return lambda r, v: literal.lower()
        if kind == "number":
            number = Decimal(text.rstrip("mMdD"))
            return lambda r, v: number
        if kind == "name":
            return self.name(text)
        raise QueryError(f"Unexpected '{text}'.")

    def name(self, text: str) -> Expr:
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lambda r, v: lowered == "true"
        if lowered == "null":
            return lambda r, v: None
        peek = self.peek()
        if peek == ("punct", "(") and lowered in _FUNCS:
            return self.function(lowered)
        if lowered.endswith("/any") and peek == ("punct", "("):
            return self.any_(text[:-4])
        if peek == ("punct", "("):
            raise QueryError(f"Unknown function '{text}'.")
        path = text.split("/")

        def lookup(record: dict, variables: dict) -> Any:
            if path[0] in variables:
                return _resolve(variables[path[0]], path[1:])
            return _resolve(record, path)

        return lookup

    def function(self, name: str) -> Expr:
        self.take("(")
        args = [self.or_()]
        while self.peek() == ("punct", ","):
            self.take()
            args.append(self.or_())
        self.take(")")
        arity = {"substringof": 2, "startswith": 2, "endswith": 2, "tolower": 1, "toupper": 1}[name]
        if len(args) != arity:
            raise QueryError(f"Function '{name}' takes {arity} argument(s).")

        def text_of(expr: Expr, r: dict, v: dict) -> str:
            value = _value(expr(r, v))
            return "" if value is None else str(value)

        if name == "substringof":
            return lambda r, v: text_of(args[0], r, v) in text_of(args[1], r, v)
        if name == "startswith":
            return lambda r, v: text_of(args[0], r, v).startswith(text_of(args[1], r, v))
        if name == "endswith":
            return lambda r, v: text_of(args[0], r, v).endswith(text_of(args[1], r, v))
        if name == "tolower":
            return lambda r, v: text_of(args[0], r, v).lower()
        return lambda r, v: text_of(args[0], r, v).upper()

    def any_(self, collection: str) -> Expr:
        self.take("(")
        variable = self.take()[1]
        self.take(":")
        body = self.or_()
        self.take(")")
        path = collection.split("/")

        def test(record: dict, variables: dict) -> bool:
            items = _resolve(variables[path[0]], path[1:]) if path[0] in variables else _resolve(record, path)
            if not isinstance(items, list):
                return False
            return any(body(record, {**variables, variable: item}) for item in items)

        return test


def _value(value: Any) -> Any:
    return None if value is _MISSING else value


def compile_filter(text: str) -> Callable[[dict], bool]:
    """A predicate over rendered records for an OData ``$filter``."""
    expr = _Parser(text).parse()
    return lambda record: bool(expr(record, {}))


def sort(records: list[dict], orderby: str | None) -> list[dict]:
    """Apply ``$orderby=Field [asc|desc], …`` (stable; nulls first ascending)."""
    if not orderby or not orderby.strip():
        return records
    keys = []
    for part in orderby.split(","):
        bits = part.split()
        if not bits or len(bits) > 2 or (len(bits) == 2 and bits[1].lower() not in ("asc", "desc")):
            raise QueryError(f"Invalid $orderby '{orderby}'.")
        keys.append((bits[0].split("/"), len(bits) == 2 and bits[1].lower() == "desc"))
    for path, descending in reversed(keys):
        def key(record: dict, path: list[str] = path) -> tuple:
            value = _value(_resolve(record, path))
            return (value is not None, value if value is not None else 0)
        try:
            records = sorted(records, key=key, reverse=descending)
        except TypeError:
            raise QueryError(f"Cannot order by '{'/'.join(path)}'.") from None
    return records

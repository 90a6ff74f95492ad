"""The QBO query language subset a sync plugin uses: parse, then filter/sort/page rendered entities.

``SELECT * | COUNT(*) FROM <Entity> [WHERE f op v [AND …]] [ORDERBY|ORDER BY f [ASC|DESC], …]
[STARTPOSITION n] [MAXRESULTS m]`` with ``=, <, >, <=, >=, IN (…), LIKE '%…%'``. Keywords,
entity/field names and string values are case-insensitive; ``\\'`` escapes a quote; dotted
fields (``MetaData.LastUpdatedTime``); references compare by id (``CustomerRef = '12'``); ``Id``
allows only ``=`` and ``IN``; ``Line`` is never filterable. Name lists (Customer, Vendor, Item,
Account) hide inactive entities unless the WHERE mentions ``Active``. Parse errors → 4000,
unknown fields or operators → 4001.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from .common import FIELDS
from .errors import QBOFault
from .store import ENTITIES
from .wire import parse_time

DEFAULT_MAX = 100
MAX_RESULTS = 1000
_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<num>-?\d+(?:\.\d+)?)(?![\w.])|(?P<op><=|>=|!=|<>|[=<>(),*])"
                    r"|(?P<word>[A-Za-z_][\w.]*))")
_OPS = {"=", "<", ">", "<=", ">=", "IN", "LIKE"}
_ACTIVE_DEFAULT = {"Customer", "Vendor", "Item", "Account"}
_EXTRA_FIELDS = {"MetaData.CreateTime", "MetaData.LastUpdatedTime", "Id", "SyncToken", "Active", "Name",
                 "Type", "RateValue", "Taxable", "Classification", "AccountType", "AccountSubType", "AcctNum"}


@dataclass
class Query:
    entity: str
    count: bool = False
    where: list[tuple[str, str, Any]] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    start: int = 1
    max_results: int = DEFAULT_MAX


def _parse_error(detail: str) -> QBOFault:
    return QBOFault("4000", detail=detail)


def _invalid(detail: str) -> QBOFault:
    return QBOFault("4001", detail=detail)


def tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, column) tokens; kind is str/num/op/word."""
    out, pos = [], 0
    text = text.rstrip().rstrip(";")
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            column = pos + 1 + (len(text[pos:]) - len(text[pos:].lstrip()))
            raise _parse_error(f"Encountered \"{text[pos:].strip()[:1]}\" at line 1, column {column}.")
        kind = match.lastgroup
        out.append((kind, match.group(kind), match.start(kind) + 1))
        pos = match.end()
    return out


class _Reader:
    def __init__(self, items: list[tuple[str, str, int]]) -> None:
        self.items, self.i = items, 0

    def peek(self, offset: int = 0) -> tuple[str, str, int] | None:
        j = self.i + offset
        return self.items[j] if j < len(self.items) else None

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].upper() in words:
            self.i += 1
            return True
        return False

    def take(self, kind: str | None = None, text: str | None = None, expecting: str = "") -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            raise _parse_error(f"Encountered \"<EOF>\" at line 1. Was expecting: {expecting or kind}")
        if (kind and token[0] != kind) or (text and token[1].upper() != text):
            raise _parse_error(f"Encountered \"{token[1]}\" at line 1, column {token[2]}. "
                               f"Was expecting: {expecting or text or kind}")
        self.i += 1
        return token


def _literal(token: tuple[str, str, int]) -> Any:
    kind, text, column = token
    if kind == "str":
        return text[1:-1].replace("\\'", "'").replace("\\\\", "\\")
    if kind == "num":
        return Decimal(text)
    if kind == "word" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise _parse_error(f"Encountered \"{text}\" at line 1, column {column}. Was expecting: a value")


def parse(text: str) -> Query:
    reader = _Reader(tokens(text))
    reader.take("word", "SELECT", "SELECT")
    count = False
    if reader.keyword("COUNT"):
        reader.take("op", "(", "(")
        reader.take("op", "*", "*")
        reader.take("op", ")", ")")
        count = True
    else:
        reader.take("op", "*", "* or COUNT(*)")
    reader.take("word", "FROM", "FROM")
    name = reader.take("word", expecting="an entity name")
    entity = ENTITIES.get(name[1].lower())
    if entity is None:
        raise _invalid(f"Entity {name[1]} is not supported or is not queryable")
    query = Query(entity, count)
    if reader.keyword("WHERE"):
        while True:
            query.where.append(_condition(reader, entity))
            if not reader.keyword("AND"):
                break
    if reader.keyword("ORDERBY") or (reader.keyword("ORDER") and reader.take("word", "BY", "BY")):
        while True:
            field_name = reader.take("word", expecting="a property name")[1]
            _check_field(entity, field_name)
            descending = False
            if reader.keyword("DESC"):
                descending = True
            else:
                reader.keyword("ASC")
            query.order.append((field_name, descending))
            token = reader.peek()
            if not (token and token[1] == ","):
                break
            reader.i += 1
    if reader.keyword("STARTPOSITION"):
        query.start = _positive(reader.take("num", expecting="a number"))
    if reader.keyword("MAXRESULTS"):
        query.max_results = _positive(reader.take("num", expecting="a number"))
    if reader.peek() is not None:
        _, text_, column = reader.peek()
        raise _parse_error(f"Encountered \"{text_}\" at line 1, column {column}. Was expecting: <EOF>")
    return query


def _positive(token: tuple[str, str, int]) -> int:
    try:
        value = int(token[1])
    except ValueError:
        raise _parse_error(f"Encountered \"{token[1]}\" at line 1, column {token[2]}.") from None
    if value < 1:
        raise _parse_error(f"Encountered \"{token[1]}\" at line 1, column {token[2]}. Was expecting: a positive number")
    return value


def _check_field(entity: str, name: str) -> None:
    top = name.split(".")[0]
    if top.lower() == "line":
        raise _invalid("property 'Line' is not queryable")
    known = {f.lower() for f in FIELDS.get(entity, set()) | _EXTRA_FIELDS}
    if name.lower() not in known and top.lower() not in known:
        raise _invalid(f"property '{name}' is not queryable for entity {entity}")


def _condition(reader: _Reader, entity: str) -> tuple[str, str, Any]:
    name = reader.take("word", expecting="a property name")[1]
    _check_field(entity, name)
    token = reader.take(expecting="an operator")
    op = token[1].upper()
    if op in ("!=", "<>") or op not in _OPS:
        raise _invalid(f"operator '{token[1]}' is not supported") if op in ("!=", "<>") else _parse_error(
            f"Encountered \"{token[1]}\" at line 1, column {token[2]}. Was expecting: an operator")
    if name.lower() == "id" and op not in ("=", "IN"):
        raise _invalid(f"operator '{op}' is not supported for property 'Id'")
    if op == "IN":
        reader.take("op", "(", "(")
        values = [_literal(reader.take(expecting="a value"))]
        while reader.peek() and reader.peek()[1] == ",":
            reader.i += 1
            values.append(_literal(reader.take(expecting="a value")))
        reader.take("op", ")", ")")
        return name, op, values
    return name, op, _literal(reader.take(expecting="a value"))


def lookup(data: dict[str, Any], name: str) -> Any:
    """A (dotted, case-insensitive) field's value; references yield their id."""
    value: Any = data
    for part in name.split("."):
        if not isinstance(value, dict):
            return None
        key = next((k for k in value if k.lower() == part.lower()), None)
        if key is None:
            return None
        value = value[key]
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value


def _comparable(stored: Any, given: Any) -> tuple[Any, Any] | None:
    if stored is None:
        return None
    if isinstance(stored, bool):
        return (stored, given) if isinstance(given, bool) else (str(stored).lower(), str(given).lower())
    if isinstance(stored, (Decimal, int)):
        try:
            return Decimal(stored), Decimal(str(given))
        except InvalidOperation:
            return None
    text = str(stored)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T.*", text):
        try:
            return parse_time(text), parse_time(str(given))
        except ValueError:
            return None
    return text.lower(), str(given).lower()


def _like(pattern: str) -> Callable[[str], bool]:
    regex = re.compile("^" + ".*".join(re.escape(part) for part in pattern.lower().split("%")) + "$", re.S)
    return lambda text: bool(regex.match(text.lower()))


def _test(data: dict[str, Any], name: str, op: str, value: Any) -> bool:
    stored = lookup(data, name)
    if op == "IN":
        return any(_test(data, name, "=", v) for v in value)
    if op == "LIKE":
        return stored is not None and _like(str(value))(str(stored))
    pair = _comparable(stored, value)
    if pair is None:
        return False
    left, right = pair
    try:
        return {"=": left == right, "<": left < right, ">": left > right, "<=": left <= right,
                ">=": left >= right}[op]
    except TypeError:
        return False


def _sort_key(value: Any) -> tuple:
    if value is None:
        return (1, "")
    if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        return (0, Decimal(value))
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T.*", text):
        try:
            return (0, parse_time(text).timestamp())
        except ValueError:
            pass
    if text.isdigit():
        return (0, Decimal(text))
    return (0, text.lower())


def run(query: Query, records: list[dict[str, Any]], page_cap: int | None = None) -> dict[str, Any]:
    """Filter, sort and page ``records`` (rendered entities): the ``QueryResponse`` body."""
    if query.entity in _ACTIVE_DEFAULT and not any(n.lower() == "active" for n, _, _ in query.where):
        records = [r for r in records if r.get("Active", True) is not False]
    matched = [r for r in records if all(_test(r, n, op, v) for n, op, v in query.where)]
    if query.count:
        return {"totalCount": len(matched)}
    matched.sort(key=lambda r: _sort_key(r.get("Id")))
    for name, descending in reversed(query.order):
        present = [r for r in matched if lookup(r, name) is not None]
        absent = [r for r in matched if lookup(r, name) is None]
        present.sort(key=lambda r: _sort_key(lookup(r, name)), reverse=descending)
        matched = present + absent
    size = min(query.max_results, MAX_RESULTS, page_cap or MAX_RESULTS)
    page = matched[query.start - 1: query.start - 1 + size]
    if not page:
        return {}
    return {query.entity: page, "startPosition": query.start, "maxResults": len(page)}


def changed_since(data: dict[str, Any], since: datetime) -> bool:
    stamp_ = lookup(data, "MetaData.LastUpdatedTime")
    return bool(stamp_) and parse_time(stamp_) >= since

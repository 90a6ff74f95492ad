"""Exact JSON for sandbox answers: Decimals as the numbers they are, floats refused.

Each vendor passes how it writes dates (Xero MS-JSON, MYOB ISO, ...) as ``other``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Callable


def exact_dumps(value: Any, other: Callable[[Any], str] | None = None, vendor: str = "a sandbox") -> bytes:
    """JSON of *value*; anything but None/bool/str/int/Decimal/mapping/list goes through *other*
    (which returns ready JSON text) — and a float is refused: money never passes through float."""
    out: list[str] = []

    def encode(item: Any) -> None:
        if item is None or isinstance(item, bool):
            out.append("null" if item is None else "true" if item else "false")
        elif isinstance(item, str):
            out.append(json.dumps(item, ensure_ascii=False))
        elif isinstance(item, Decimal):
            if not item.is_finite():
                raise ValueError(f"cannot encode {item} as JSON")
            out.append(format(item, "f"))
        elif isinstance(item, int):
            out.append(str(item))
        elif isinstance(item, Mapping):
            out.append("{")
            for i, (key, element) in enumerate(item.items()):
                out.append(("," if i else "") + json.dumps(str(key)) + ":")
                encode(element)
            out.append("}")
        elif isinstance(item, (list, tuple)):
            out.append("[")
            for i, element in enumerate(item):
                if i:
                    out.append(",")
                encode(element)
            out.append("]")
        elif other is not None and not isinstance(item, float) and (text := other(item)) is not None:
            out.append(text)
        else:
            raise TypeError(f"cannot encode {type(item).__name__} {item!r} in {vendor}'s answer")

    encode(value)
    return "".join(out).encode("utf-8")

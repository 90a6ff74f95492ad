"""Fast construction of new ledger rows.

``Invoice(...)`` runs SQLModel's per-field ``__setattr__`` machinery (tens of microseconds an
object — a third of the worker's time when applying a batch). :func:`build` makes the object the
way the ORM materialises a row it loads: ``ClassManager.new_instance()`` then the values straight
into the instance dict. A many-to-one relationship (``payment.invoice``) is set through the
instrumented attribute, so back-references behave (``invoice.payments`` gains the payment). A
collection (``invoice.lines``) must hold new objects made for this one: it becomes the object's
starting value, as when loaded, and each child's back-reference points at the object — without
the ORM's change events, which cost more than building the rows. Such an object is written by
:meth:`core.repository.SqlRepository.save`, not by a session flush. Values are not validated
here: handlers build rows from validated events.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, TypeVar

from pydantic_core import PydanticUndefined
from sqlalchemy import inspect
from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import SQLModel

T = TypeVar("T", bound=SQLModel)


@lru_cache(maxsize=None)
def _defaults(model: type[SQLModel]) -> tuple[dict[str, Any], dict[str, Any], dict[str, str | None]]:
    configure_mappers()  # what the ORM does before the first instance; idempotent
    plain, factories = {}, {}
    for name, field in model.model_fields.items():
        if field.default_factory is not None:
            factories[name] = field.default_factory
        elif field.default is not PydanticUndefined:
            plain[name] = field.default
    collections = {r.key: r.back_populates for r in inspect(model).relationships if r.uselist}
    return plain, factories, collections


def build(model: type[T], **values: Any) -> T:
    """A new, transient ``model`` instance with ``values`` (columns and relationships)."""
    plain, factories, collections = _defaults(model)
    obj = model._sa_class_manager.new_instance()  # type: ignore[attr-defined]
    relationships = model.__sqlmodel_relationships__
    columns = {k: v for k, v in values.items() if k not in relationships}
    state = obj.__dict__
    state.update(plain)
    for name, factory in factories.items():
        if name not in columns:
            state[name] = factory()
    state.update(columns)
    object.__setattr__(obj, "__pydantic_fields_set__", set(columns))
    for name in relationships:
        if name not in values:
            continue
        if name in collections:
            children = list(values[name])
            set_committed_value(obj, name, children)
            if collections[name]:
                for child in children:
                    child.__dict__[collections[name]] = obj
        else:
            setattr(obj, name, values[name])
    return obj

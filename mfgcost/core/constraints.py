"""Database constraints in the words of the field at fault.

The database has the last word on what a row may hold (``CheckConstraint``, ``UniqueConstraint``,
unique columns). Python checks repeat the rules to give readable errors; where a request still
reaches a constraint, the error must name the field, not surface as a server error. Two tools:

* ``violated_check_field(instance, exclude)``: before saving, the field a broken check
  constraint is about (in a condition of several ``AND``-ed tests, the one that fails).
* ``integrity_error_field(error)``: after the database refused a row, the field (and a message)
  from the constraint's name, or from the columns PostgreSQL and SQLite report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q


def condition_fields(condition) -> list[str]:
    """The model fields a check constraint's condition looks at, in the order written."""
    names: list[str] = []
    for child in getattr(condition, "children", []):
        if isinstance(child, Q):
            names.extend(condition_fields(child))
        elif isinstance(child, tuple):
            names.append(child[0].split("__")[0])
    return names


def _failing_part(constraint: models.CheckConstraint, instance: models.Model, exclude) -> list:
    """The fields of the first ``AND``-ed part of the condition that ``instance`` breaks."""
    condition = constraint.condition
    if condition.connector != Q.AND or condition.negated or len(condition.children) < 2:
        return condition_fields(condition)
    against = instance._get_field_expression_map(meta=instance._meta, exclude=set(exclude))
    for child in condition.children:
        part = child if isinstance(child, Q) else Q(child)
        try:
            if not part.check(against):
                return condition_fields(part)
        except Exception:  # a part that cannot be checked alone: fall back to the whole
            break
    return condition_fields(condition)


def violated_check_field(instance: models.Model, exclude: Iterable[str]) -> str | None:
    """The field to name for a check constraint the row breaks (the last one the failing part
    of its condition tests: ``valid_to`` in "no end, or an end on or after the start")."""
    exclude = set(exclude)
    for constraint in instance._meta.constraints:
        if not isinstance(constraint, models.CheckConstraint):
            continue
        try:
            constraint.validate(type(instance), instance, exclude=exclude)
        except ValidationError:
            fields = _failing_part(constraint, instance, exclude)
            if fields:
                return fields[-1]
    return None


# --------------------------------------------------------------------------- after the fact


@cache
def _constraints_by_name() -> dict[str, tuple[type[models.Model], str, list[str]]]:
    """Every named constraint of every model: name -> (model, kind, fields)."""
    found = {}
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
                found[constraint.name] = (model, "unique", list(constraint.fields))
            elif isinstance(constraint, models.CheckConstraint):
                found[constraint.name] = (model, "check", condition_fields(constraint.condition))
    return found


def _model_of_table(table: str) -> type[models.Model] | None:
    for model in apps.get_models():
        if model._meta.db_table == table:
            return model
    return None


def _field_of_column(model: type[models.Model] | None, column: str) -> str:
    if model is not None:
        for field in model._meta.concrete_fields:
            if field.column == column:
                return field.name
    return column.removesuffix("_id")


def _label(model: type[models.Model] | None, name: str) -> str:
    if model is None:
        return name.replace("_", " ")
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name.replace("_", " ")


def _unique_message(model, fields: list[str]) -> tuple[str, str]:
    what = str(model._meta.verbose_name) if model is not None else "row"
    labels = " and ".join(_label(model, f) for f in fields)
    return fields[-1], f"Another {what} already has this {labels}."


def _check_message(model, name: str, fields: list[str]) -> tuple[str, str]:
    field = fields[-1] if fields else "non_field_errors"
    label = _label(model, field) if fields else "The row"
    return field, f"{label.capitalize()}: this value is not allowed ({name})."


def _from_name(name: str) -> tuple[str, str] | None:
    known = _constraints_by_name().get(name)
    if known is None:
        return None
    model, kind, fields = known
    if kind == "unique":
        return _unique_message(model, fields)
    return _check_message(model, name, fields)


def _postgresql(error: Exception) -> tuple[str, str] | None:
    diag = getattr(error.__cause__, "diag", None)
    if diag is None:
        return None
    if diag.constraint_name:
        found = _from_name(diag.constraint_name)
        if found is not None:
            return found
    model = _model_of_table(diag.table_name or "")
    detail = diag.message_detail or ""
    match = re.match(r"Key \((?P<columns>[^)]*)\)=", detail)
    state = getattr(error.__cause__, "sqlstate", "")
    if match:
        fields = [_field_of_column(model, c.strip()) for c in match["columns"].split(",")]
        if state == "23503":  # foreign key: the row referred to does not exist
            return fields[-1], "The object referred to does not exist."
        return _unique_message(model, fields)
    if diag.column_name:
        field = _field_of_column(model, diag.column_name)
        return field, "This field is required."
    if state == "23514" and diag.constraint_name:
        return _check_message(model, diag.constraint_name, [])
    return None


def _sqlite(error: Exception) -> tuple[str, str] | None:
    text = str(error)
    if match := re.match(r"UNIQUE constraint failed: (?P<columns>.+)$", text):
        pairs = [c.strip().split(".", 1) for c in match["columns"].split(",")]
        model = _model_of_table(pairs[0][0]) if len(pairs[0]) == 2 else None
        fields = [_field_of_column(model, p[-1]) for p in pairs]
        return _unique_message(model, fields)
    if match := re.match(r"CHECK constraint failed: (?P<name>\w+)", text):
        return _from_name(match["name"])
    if match := re.match(r"NOT NULL constraint failed: (?P<table>\w+)\.(?P<column>\w+)", text):
        model = _model_of_table(match["table"])
        return _field_of_column(model, match["column"]), "This field is required."
    return None


def integrity_error_field(error: Exception) -> tuple[str, str] | None:
    """(field, message) for a constraint the database refused a row for; None if unknown."""
    return _postgresql(error) or _sqlite(error)

"""Filters shared by every list of the API: one naming for all of them.

* dates: ``<field>_after`` and ``<field>_before``, both inclusive
  (``posting_date_after=2026-10-01``);
* text: ``search``, case-insensitive, in any of the list's text fields (number, code, name,
  description).

A filter renamed to these keeps its old name working as a deprecated alias: the filter set lists
it in ``deprecated_aliases`` (old name -> new name) and the schema marks it ``deprecated``.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

import django_filters
from django.db.models import Q


class TextSearchFilter(django_filters.CharFilter):
    """``?search=``: the rows whose text fields contain the value (case-insensitive)."""

    def __init__(self, *, fields: list[str], **kwargs):
        self.search_fields = fields
        names = ", ".join(f.replace("__", " ") for f in fields)
        kwargs.setdefault("help_text", f"Text contained in any of: {names} (case-insensitive).")
        super().__init__(**kwargs)

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        condition = reduce(
            or_, (Q(**{f"{field}__icontains": value}) for field in self.search_fields)
        )
        matched = qs.filter(condition)
        return matched.distinct() if any("__" in field for field in self.search_fields) else matched


def date_range(field_name: str, label: str) -> tuple[django_filters.DateFilter, ...]:
    """The ``<field>_after`` / ``<field>_before`` pair (inclusive) of a date field."""
    return (
        django_filters.DateFilter(
            field_name=field_name, lookup_expr="gte", help_text=f"{label} on or after this date."
        ),
        django_filters.DateFilter(
            field_name=field_name, lookup_expr="lte", help_text=f"{label} on or before this date."
        ),
    )

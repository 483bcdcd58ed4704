"""The one lock order of every posting, so that no two postings can deadlock.

Every service that posts takes its locks in this order, through these functions:

1. **the periods** of its posting dates: a shared advisory lock each (a period close takes it
   exclusively), in date order (``periods_lock``);
2. **the document or cost collector** the posting belongs to: a production order, a
   subcontracting order and its line, the standard costs being activated
   (``documents_lock``: ``SELECT ... FOR UPDATE`` in primary-key order);
3. **the items** whose stock or cost it changes, in primary-key order (``items_lock``).

A lock taken again later in the same transaction (a transfer inside a shipment takes its
period again) is already held and costs nothing. Locks are held to the end of the transaction.
The posting record (``begin_posting``) is claimed before all of these: it is an insert, not a
lock, and a repeat of the same key waits on its unique index for the first to finish.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet

from ledger.models import Period
from ledger.services import open_period_for_date
from mfgcost.items.models import Item


def periods_lock(
    dates: Iterable[dt.date], *, field_name: str = "posting_date"
) -> dict[dt.date, Period]:
    """Lock (shared) the open period of each date, in date order; closed periods are refused."""
    return {date: open_period_for_date(date, field_name=field_name) for date in sorted(set(dates))}


def documents_lock(queryset: QuerySet) -> list:
    """Lock the rows of a document or collector (``FOR UPDATE`` of its own table), by id."""
    return list(queryset.select_for_update(of=("self",)).order_by("pk"))


def items_lock(items: Iterable[Item]) -> dict[int, Item]:
    """Lock items in primary-key order; returns the locked rows by id."""
    locked = Item.objects.select_for_update().filter(pk__in={i.pk for i in items}).order_by("pk")
    return {item.pk: item for item in locked}

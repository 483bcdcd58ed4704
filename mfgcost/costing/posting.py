"""Writing the adjustments of one unit of Adjust Cost work (an item or an order).

``AdjustmentBatch`` collects unsaved adjustment value entries, dates each one in an open period
(``PostingCalendar``), and posts them per posting date: one ``InventoryPosting`` and one journal
entry in the COST journal each, through ``inventory.services.post_value_entries`` (the same
accounts as every other posting). Variance entries carry the list of entries they came from,
written as ``VarianceSource`` rows once the variance entries have ids.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from ledger.models import Period
from ledger.services import PERIOD_LOCK
from mfgcost.core.errors import BusinessError
from mfgcost.core.locks import lock_key, try_advisory_xact_lock
from mfgcost.inventory.models import CapacityLedgerEntry, ValueEntry
from mfgcost.inventory.services import begin_posting, post_value_entries

from .adjust import PeriodSpan, PostingCalendar
from .models import VarianceSource

COST_JOURNAL = "COST"


def posting_calendar(*, fallback: dt.date | None = None) -> PostingCalendar:
    """The calendar of the fiscal periods now; ``fallback`` must lie in an open period."""
    periods = [
        PeriodSpan(start=p.start_date, end=p.end_date, is_open=p.status == Period.Status.OPEN)
        for p in Period.objects.all()
    ]
    if fallback is not None and not any(
        p.start <= fallback <= p.end and p.is_open for p in periods
    ):
        raise BusinessError(
            f"{fallback.isoformat()} is not in an open period.", field="posting_date"
        )
    return PostingCalendar(periods, fallback=fallback)


def periods_lock(*, shared: bool) -> None:
    """Take the period advisory lock of every period (PostgreSQL), in id order.

    Shared: what every posting holds while it writes; a unit of Adjust Cost takes it up front
    so that its locks come in the same order as a posting's (period, order, item). Exclusive:
    waits until every posting in progress has committed (see ``services.marks_collect``).
    """
    if connection.vendor != "postgresql":
        return
    fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    namespace = lock_key(PERIOD_LOCK)[0]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {fn}(%s, (id & 2147483647)::int) "
            "FROM (SELECT id FROM ledger_period ORDER BY id) p",
            [namespace],
        )
        cursor.fetchall()


def unit_claim(namespace: str, pk: int) -> bool:
    """Start a unit of Adjust Cost work: the period locks (shared), then the unit's own
    advisory lock; False when another run holds the unit (the caller skips it)."""
    periods_lock(shared=True)
    return try_advisory_xact_lock(namespace, pk)


@dataclass
class _Pending:
    entry: ValueEntry
    sources: list[tuple[int, Decimal]] = field(default_factory=list)
    carrier_order: object | None = None  # make a cost-only capacity entry for this order


class AdjustmentBatch:
    """The adjustment value entries of one unit of work, posted per posting date."""

    def __init__(self, *, calendar: PostingCalendar, source_key: str, description: str):
        self.calendar = calendar
        self.source_key = source_key
        self.description = description
        self.pending: list[_Pending] = []

    def __len__(self) -> int:
        return len(self.pending)

    def add(
        self,
        entry: ValueEntry,
        *,
        valuation_date: dt.date,
        sources: list[tuple[int, Decimal]] | None = None,  # (value entry id, its share)
        carrier_order=None,
    ) -> ValueEntry:
        posting_date = self.calendar.posting_date(valuation_date)
        if posting_date is None:
            raise BusinessError(
                f"No open period on or after {valuation_date.isoformat()} to post an "
                "adjustment in.",
                field="posting_date",
            )
        entry.valuation_date = valuation_date
        entry.posting_date = posting_date
        entry.adjustment = True
        self.pending.append(
            _Pending(entry=entry, sources=sources or [], carrier_order=carrier_order)
        )
        return entry

    def post(self) -> list[ValueEntry]:
        by_date: dict[dt.date, list[_Pending]] = defaultdict(list)
        for pending in self.pending:
            by_date[pending.entry.posting_date].append(pending)
        posted: list[ValueEntry] = []
        links: list[VarianceSource] = []
        for posting_date in sorted(by_date):
            group = by_date[posting_date]
            posting, created = begin_posting(
                source_key=f"{self.source_key}:{posting_date.isoformat()}",
                kind="cost_adjustment",
                posting_date=posting_date,
            )
            if not created:  # the same unit of the same run cannot post twice
                continue
            for pending in group:
                if pending.carrier_order is not None:
                    pending.entry.capacity_ledger_entry = _cost_only_capacity_entry(
                        posting, pending.carrier_order, posting_date
                    )
            entries = post_value_entries(
                posting=posting,
                entries=[p.entry for p in group],
                description=self.description,
                journal=COST_JOURNAL,
            )
            posted += entries
            for pending, entry in zip(group, entries, strict=True):
                links += _links(entry, pending.sources)
        VarianceSource.objects.bulk_create(links)
        self.pending = []
        return posted


def _cost_only_capacity_entry(posting, order, posting_date: dt.date) -> CapacityLedgerEntry:
    return CapacityLedgerEntry.objects.create(
        posting=posting,
        capacity_type=CapacityLedgerEntry.CapacityType.WORK_CENTER,
        item_id=order.item_id,
        order_type="production",
        order_no=order.number,
        posting_date=posting_date,
        document_no=order.number,
        description="Adjust Cost",
    )


def _links(entry: ValueEntry, sources: list[tuple[int, Decimal]]) -> list[VarianceSource]:
    return [
        VarianceSource(variance_entry=entry, source_entry_id=source_id, amount=amount)
        for source_id, amount in sources
    ]

"""Writes of cost accounting: reconciliation, transfers, service journal, period calculation.

Each service is a transaction. The transfers are incremental and idempotent: a journal line is
transferred once (``TransferredLine``), a capacity or output entry once (``source_key``). The
period calculation holds a lock per version and period, deletes its entries and rebuilds them,
so running it twice gives the same entries.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F

from ledger.models import Account, CostCenter, CostObject, JournalLine, Period
from ledger.services import period_for_date
from mfgcost.core.errors import BusinessError
from mfgcost.core.locks import advisory_xact_lock
from mfgcost.core.money import to_decimal
from mfgcost.inventory.models import CapacityLedgerEntry, ItemLedgerEntry
from mfgcost.items.models import CostingVersion, WorkCenter
from mfgcost.items.services import work_center_rates_propose

from . import selectors
from . import solve as exact
from .models import (
    Calculation,
    CalculationEntry,
    CalculationRule,
    CalculationVersion,
    CostCategory,
    CostEntry,
    Dimension,
    ServiceEntry,
    TransferredLine,
)

CALCULATION_LOCK = "costacct.calculation"
CC, CO = Dimension.COST_CENTER.value, Dimension.COST_OBJECT.value


@transaction.atomic
def cost_categories_reconcile() -> dict[str, int]:
    """Keep one primary category per P&L account ("cost category identical with account")."""
    created = updated = 0
    existing = {c.account_id: c for c in CostCategory.objects.filter(kind="primary")}
    for account in Account.objects.filter(statement=Account.Statement.PROFIT_AND_LOSS):
        category = existing.get(account.pk)
        if category is None:
            CostCategory.objects.create(
                code=account.number,
                name=account.name,
                kind=CostCategory.Kind.PRIMARY,
                account=account,
                blocked=account.blocked,
            )
            created += 1
        elif (category.code, category.name, category.blocked) != (
            account.number,
            account.name,
            account.blocked,
        ):
            category.code, category.name, category.blocked = (
                account.number,
                account.name,
                account.blocked,
            )
            category.save(update_fields=["code", "name", "blocked"])
            updated += 1
    return {"created": created, "updated": updated}


@transaction.atomic
def cost_ledger_transfer(*, up_to: dt.date | None = None, batch_size: int = 5000) -> int:
    """Transfer P&L journal lines not yet transferred into cost entries; returns entries made.

    A line becomes one entry per dimension its category keeps, unless its value is blank and
    the category filters blanks out. A line of a reversing journal entry names the entries of
    the line it reverses. Lines on accounts without a primary category wait for the next
    reconciliation.
    """
    lines = (
        JournalLine.objects.filter(
            account__statement=Account.Statement.PROFIT_AND_LOSS,
            account__cost_category__isnull=False,
            account__cost_category__blocked=False,
            cost_transfer__isnull=True,
        )
        .select_related("entry", "account__cost_category")
        .order_by("pk")
        .select_for_update(of=("self",))
    )
    if up_to is not None:
        lines = lines.filter(entry__posting_date__lte=up_to)
    made = 0
    while True:
        batch = list(lines[:batch_size])
        if not batch:
            return made
        reversed_lines = _reversed_entries(batch)
        entries, marks = [], []
        for line in batch:
            category = line.account.cost_category
            count = 0
            for dimension, keep, skip, value in (
                (
                    CC,
                    category.keep_cost_center,
                    category.skip_blank_cost_center,
                    line.cost_center_id,
                ),
                (
                    CO,
                    category.keep_cost_object,
                    category.skip_blank_cost_object,
                    line.cost_object_id,
                ),
            ):
                if not keep or (value is None and skip):
                    continue
                entries.append(
                    CostEntry(
                        category=category,
                        dimension=dimension,
                        cost_center_id=value if dimension == CC else None,
                        cost_object_id=value if dimension == CO else None,
                        posting_date=line.entry.posting_date,
                        period_id=line.entry.period_id,
                        amount=line.debit - line.credit,
                        journal_line=line,
                        reverses_id=reversed_lines.get((line.pk, dimension)),
                    )
                )
                count += 1
            marks.append(TransferredLine(journal_line=line, entries=count))
        CostEntry.objects.bulk_create(entries)
        TransferredLine.objects.bulk_create(marks)
        made += len(entries)


def _reversed_entries(lines: list[JournalLine]) -> dict[tuple[int, str], int]:
    """For lines of reversing entries: the cost entry of the reversed line, per dimension."""
    reversing = [line for line in lines if line.entry.reversal_of_id]
    if not reversing:
        return {}
    originals = {
        (row["journal_line__entry"], row["journal_line__line_no"], row["dimension"]): row["pk"]
        for row in CostEntry.objects.filter(
            journal_line__entry__in={line.entry.reversal_of_id for line in reversing}
        ).values("pk", "dimension", "journal_line__entry", "journal_line__line_no")
    }
    out = {}
    for line in reversing:
        for dimension in (CC, CO):
            original = originals.get((line.entry.reversal_of_id, line.line_no, dimension))
            if original is not None:
                out[(line.pk, dimension)] = original
    return out


@transaction.atomic
def service_entries_transfer(*, period: Period) -> int:
    """Hours from the capacity ledger and output quantities of the period, once each.

    Hours (setup + run) go to the work centre's cost centre and to the produced item's cost
    object; output to the produced item's cost object. Returns the entries made.
    """
    made = []
    for category in CostCategory.objects.filter(kind="service", blocked=False).exclude(
        service_source=CostCategory.ServiceSource.MANUAL
    ):
        if category.service_source == CostCategory.ServiceSource.CAPACITY_HOURS:
            rows = CapacityLedgerEntry.objects.filter(
                posting_date__gte=period.start_date,
                posting_date__lte=period.end_date,
                work_center__isnull=False,
            ).values(
                "pk",
                "posting_date",
                "setup_time",
                "run_time",
                "item__cost_object",
                center=F("work_center__cost_center"),
            )
            for row in rows:
                hours = row["setup_time"] + row["run_time"]
                if not hours:
                    continue
                for dimension, value in ((CC, row["center"]), (CO, row["item__cost_object"])):
                    if value is None:
                        continue
                    made.append(
                        _service(
                            category,
                            dimension,
                            value,
                            period,
                            row["posting_date"],
                            hours,
                            ServiceEntry.Source.CAPACITY,
                            f"capacity:{row['pk']}:{dimension}:{category.pk}",
                        )
                    )
        else:
            rows = ItemLedgerEntry.objects.filter(
                entry_type=ItemLedgerEntry.EntryType.OUTPUT,
                posting_date__gte=period.start_date,
                posting_date__lte=period.end_date,
                item__cost_object__isnull=False,
            ).values("pk", "posting_date", "quantity", "item__cost_object")
            for row in rows:
                made.append(
                    _service(
                        category,
                        CO,
                        row["item__cost_object"],
                        period,
                        row["posting_date"],
                        row["quantity"],
                        ServiceEntry.Source.OUTPUT,
                        f"output:{row['pk']}:{category.pk}",
                    )
                )
    keys = {entry.source_key for entry in made}
    done = set(
        ServiceEntry.objects.filter(source_key__in=keys).values_list("source_key", flat=True)
    )
    fresh = [entry for entry in made if entry.source_key not in done]
    ServiceEntry.objects.bulk_create(fresh)
    return len(fresh)


def _service(
    category, dimension, value, period, posting_date, quantity, source, key, description=""
):
    return ServiceEntry(
        category=category,
        dimension=dimension,
        cost_center_id=value if dimension == CC else None,
        cost_object_id=value if dimension == CO else None,
        period=period,
        posting_date=posting_date,
        quantity=quantity,
        source=source,
        source_key=key,
        description=description,
    )


@transaction.atomic
def service_journal_post(
    *,
    category: CostCategory,
    quantity: object,
    posting_date: dt.date,
    source_key: str,
    cost_center: CostCenter | None = None,
    cost_object: CostObject | None = None,
    description: str = "",
) -> ServiceEntry:
    """A manual service quantity on a cost centre or a cost object; a repeat key posts nothing."""
    existing = ServiceEntry.objects.filter(source_key=f"journal:{source_key}").first()
    if existing is not None:
        return existing
    if category.kind != CostCategory.Kind.SERVICE:
        raise BusinessError(f"{category} is not a service category.", field="category")
    if (cost_center is None) == (cost_object is None):
        raise BusinessError("Give a cost centre or a cost object.", field="cost_center")
    try:
        amount = to_decimal(quantity)
    except (ValueError, ArithmeticError, TypeError):
        raise BusinessError("Enter a number.", field="quantity") from None
    if amount is None or not amount.is_finite():
        raise BusinessError("Enter a number.", field="quantity")
    period = period_for_date(posting_date)
    dimension = CC if cost_center is not None else CO
    entry = _service(
        category,
        dimension,
        (cost_center or cost_object).pk,
        period,
        posting_date,
        amount,
        ServiceEntry.Source.JOURNAL,
        f"journal:{source_key}",
        description,
    )
    entry.save()
    return entry


def _node(dimension: str, cost_center_id, cost_object_id):
    return (dimension, cost_center_id if dimension == CC else cost_object_id)


def _service_weights(rule, receivers, period, cache) -> tuple:
    if rule.basis_category_id not in cache:
        cache[rule.basis_category_id] = selectors.service_quantities(period, rule.basis_category_id)
    quantities = cache[rule.basis_category_id]
    nodes = [_node(rule.receiver_dimension, r.cost_center_id, r.cost_object_id) for r in receivers]
    if not nodes:  # every value of the receiver dimension with a quantity
        nodes = sorted(
            (n for n in quantities if n[0] == rule.receiver_dimension and n[1] is not None),
            key=lambda n: n[1],
        )
    weights = tuple((n, quantities.get(n, Decimal(0))) for n in nodes)
    if sum((w for _, w in weights), Decimal(0)) <= 0:
        raise BusinessError(
            f"Rule {rule.code}: its receivers have no service quantity in {period}.",
            field="rules",
        )
    return weights


def _specs(version: CalculationVersion, period: Period) -> tuple[list[exact.RuleSpec], dict]:
    """The version's active rules for the solver; a split rule becomes a fixed and a variable
    part (``CODE/fixed``, ``CODE/variable``) over the categories of each behaviour."""
    rules = list(
        version.rules.filter(active=True)
        .select_related("source_line")
        .prefetch_related("receivers")
        .order_by("sequence", "code")
    )
    specs, by_code = [], {}
    cache: dict[int, dict] = {}
    variable_ids = None
    for rule in rules:
        problems = selectors.rule_validation(rule)
        if problems:
            raise BusinessError(f"Rule {rule.code}: {'; '.join(problems)}.", field="rules")
        receivers = list(rule.receivers.all())
        fixed_weights = tuple(
            (_node(rule.receiver_dimension, r.cost_center_id, r.cost_object_id), r.share)
            for r in receivers
            if r.share
        )
        if rule.source_kind == CalculationRule.SourceKind.CATEGORY:
            categories = frozenset({rule.source_category_id})
        elif rule.source_kind == CalculationRule.SourceKind.LINE:
            categories = frozenset(selectors.line_categories(rule.source_line))
        else:
            categories = None
        sender = _node(
            rule.sender_dimension, rule.sender_cost_center_id, rule.sender_cost_object_id
        )
        if rule.split_fixed_variable:
            if variable_ids is None:
                variable_ids = frozenset(
                    CostCategory.objects.filter(variable=True).values_list("pk", flat=True)
                )
            every = categories
            if every is None:
                every = frozenset(CostCategory.objects.values_list("pk", flat=True))
            parts = [
                (f"{rule.code}/fixed", fixed_weights, every - variable_ids),
                (
                    f"{rule.code}/variable",
                    _service_weights(rule, receivers, period, cache),
                    every & variable_ids,
                ),
            ]
        elif rule.basis == CalculationRule.Basis.SERVICE:
            parts = [(rule.code, _service_weights(rule, receivers, period, cache), categories)]
        else:
            parts = [(rule.code, fixed_weights, categories)]
        for code, weights, cats in parts:
            if cats is not None and not cats:
                continue
            specs.append(
                exact.RuleSpec(
                    code=code,
                    kind=rule.kind,
                    sender=sender,
                    receivers=weights,
                    categories=cats,
                    allocation_category=rule.allocation_category_id,
                    offset_category=rule.offset_category_id,
                )
            )
            by_code[code] = rule
    return specs, by_code


@transaction.atomic
def calculation_run(*, version: CalculationVersion, period: Period) -> Calculation:
    """Delete and rebuild the period calculation of a version; refuse rules with no solution."""
    advisory_xact_lock(CALCULATION_LOCK, f"{version.pk}:{period.pk}")
    specs, by_code = _specs(version, period)
    try:
        solution = exact.solve(selectors.primary_balances(period), specs)
    except exact.SolveError as error:
        raise BusinessError(str(error), field="rules", code="no_solution") from None
    calculation, _ = Calculation.objects.get_or_create(version=version, period=period)
    calculation.entries.all().delete()
    entries = [
        CalculationEntry(
            calculation=calculation,
            rule=by_code[p.rule],
            category_id=p.category,
            dimension=p.node[0],
            cost_center_id=p.node[1] if p.node[0] == CC else None,
            cost_object_id=p.node[1] if p.node[0] == CO else None,
            amount=p.amount,
            source_amount=p.source_amount,
            share=Decimal(p.share.numerator) / Decimal(p.share.denominator),
            sender_side=p.sender_side,
        )
        for p in solution.postings
    ]
    _entries_insert(entries)
    calculation.status = Calculation.Status.DONE
    calculation.entry_count = len(entries)
    calculation.message = (
        f"{len(specs)} rules solved in {solution.components} components "
        f"(largest {solution.largest_component})."
    )
    calculation.save()
    return calculation


COPY_FIELDS = [
    "calculation_id",
    "rule_id",
    "category_id",
    "dimension",
    "cost_center_id",
    "cost_object_id",
    "amount",
    "source_amount",
    "share",
    "sender_side",
]


def _entries_insert(entries: list[CalculationEntry]) -> None:
    """Write the calculation entries: COPY on PostgreSQL (a large calculation writes tens of
    thousands of rows, where the ORM's INSERT building dominates), bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        CalculationEntry.objects.bulk_create(entries, batch_size=2000)
        return
    table = CalculationEntry._meta.db_table
    columns = ", ".join(f'"{name}"' for name in COPY_FIELDS)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
            for entry in entries:
                copy.write_row([getattr(entry, name) for name in COPY_FIELDS])


def calculation_rates_propose(
    *, calculation: Calculation, hours_category: CostCategory, version_code: str, name: str = ""
) -> CostingVersion:
    """The actual cost per hour of each production cost centre as pending work-centre rates."""
    rows = selectors.rate_comparison(calculation=calculation, hours_category=hours_category)
    rates: dict[WorkCenter, Decimal] = {}
    notes = {}
    for row in rows:
        if row.actual_rate is None:
            continue
        for wc in row.work_centers:
            rates[wc] = row.actual_rate
            notes[wc] = (
                f"{row.cost_center.code}: {row.actual_cost} / {row.hours.normalize():f} h "
                f"({calculation})"
            )
    return work_center_rates_propose(
        version_code=version_code,
        name=name or f"Actual rates {calculation}",
        rates=rates,
        notes=notes,
    )

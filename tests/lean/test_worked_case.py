"""The worked case of backflush costing, every figure worked out by hand."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from ledger.models import JournalLine
from ledger.selectors import account_balance
from mfgcost.core.errors import BusinessError
from mfgcost.inventory.models import ItemLedgerEntry, ValueEntry
from mfgcost.inventory.services import on_hand
from mfgcost.items.models import StandardCost
from mfgcost.lean import selectors, services
from mfgcost.lean.models import (
    BackflushRunFlow,
    FlowSettlement,
    FlowVariance,
    FlowVendorPurchase,
    FlowWipEntry,
)

from .support import build_case, nov, oct_, october, run

D = Decimal
pytestmark = pytest.mark.django_db


def _variances(run_flow) -> dict:
    return {
        (v.cost_group.code, v.item.number if v.item else None, v.cause): v.amount
        for v in FlowVariance.objects.filter(run_flow=run_flow).select_related("cost_group", "item")
    }


def test_flow_standard_cost_is_50_by_cost_group():
    case = build_case()
    record = StandardCost.objects.get(item=case.widget, status="active")
    lines = {line.cost_group.code: line.rolled_up for line in record.lines.all()}
    # 2 x 10.00 = 20.00 parts; 0.5 x 8.00 = 4.00 resin; 0.25 h x 40.00 = 10.00 assembly;
    # 25 % x (20.00 + 4.00) = 6.00 overhead; painting service standard 10.00
    assert lines == {
        "PARTS": D("20"),
        "RESIN": D("4"),
        "ASM": D("10"),
        "OVH": D("6"),
        "PAINT": D("10"),
    }
    assert case.widget.standard_cost == D("50")


def test_october_and_november():
    case = build_case()
    october(case)
    material = FlowWipEntry.Kind.MATERIAL
    # staging: 4 x 100 P x 10.00 = 4,000.00; 4 x 25 kg R x 8.00 = 800.00
    assert case.wip(kind=material, item=case.parts) == D("4000.00")
    assert case.wip(kind=material, item=case.resin) == D("800.00")
    # material in WIP is not on hand: 1,000 - 400 P; 250 - 100 R
    assert on_hand(case.parts, case.company.main) == D("600")
    assert on_hand(case.resin, case.company.main) == D("150")
    assert on_hand(case.widget, case.company.main) == D("140")
    # 140 widgets relieve WIP: 140 x 20 = 2,800.00 parts, x 4 = 560.00 resin, x 10 = 1,400.00
    # assembly, x 6 = 840.00 overhead, x 10 = 1,400.00 painting
    relief = {
        code: -case.wip(kind=FlowWipEntry.Kind.PRODUCT, cost_group__code=code)
        for code in ("PARTS", "RESIN", "ASM", "OVH", "PAINT")
    }
    assert relief == {
        "PARTS": D("2800.00"),
        "RESIN": D("560.00"),
        "ASM": D("1400.00"),
        "OVH": D("840.00"),
        "PAINT": D("1400.00"),
    }
    # 36 h x 40.00 = 1,440.00; vendor 140 x 10.50 = 1,470.00
    assert case.wip(kind=FlowWipEntry.Kind.CONVERSION) == D("1440.00")
    assert case.wip(kind=FlowWipEntry.Kind.OUTSOURCING) == D("1470.00")
    # before the run: 4,800 + 1,440 + 1,470 - 7,000 = 710.00, in the GL as in the sub-ledger
    assert case.wip() == D("710.00")
    assert case.wip_gl() == D("710.00")

    quantities = selectors.flow_wip_quantities(flow=case.flow, as_of=oct_(31))
    assert quantities[("P", "received")] == D("100")
    assert quantities[("P", "emptied")] == D("300")
    assert quantities[("R", "received")] == D("25")

    october_run = run(oct_(31))
    assert october_run.status == "done"
    run_flow = october_run.flows.get()
    unused = {u.item.number: (u.quantity, u.value) for u in run_flow.unused.all()}
    # one kanban of 100 P (1,000.00) and one bin of 25 kg R (200.00) are still full
    assert unused == {"P": (D("100"), D("1000.00")), "R": (D("25"), D("200.00"))}
    settled = run_flow.settlements.values("wip_entry__item__number").annotate(
        q=Sum("quantity"), a=Sum("amount")
    )
    consumption = {row["wip_entry__item__number"]: (row["q"], row["a"]) for row in settled}
    # consumption P 400 - 100 = 300 (3,000.00); R 100 - 25 = 75 kg (600.00)
    assert consumption == {"P": (D("300"), D("3000.00")), "R": (D("75"), D("600.00"))}
    # overhead on consumed material: 25 % x 3,600.00 = 900.00
    assert case.wip(kind=FlowWipEntry.Kind.INDIRECT) == D("900.00")
    # variances: P 3,000 - 2,800 = 200.00; R 600 - 560 = 40.00; conversion 1,440 - 1,400 =
    # 40.00; outsourcing 1,470 - 1,400 = 70.00, all price (10.50 - 10.00) x 140; overhead
    # 900 - 840 = 60.00
    assert _variances(run_flow) == {
        ("PARTS", "P", "quantity"): D("200.00"),
        ("RESIN", "R", "quantity"): D("40.00"),
        ("ASM", None, ""): D("40.00"),
        ("PAINT", None, "price"): D("70.00"),
        ("OVH", None, ""): D("60.00"),
    }
    assert sum(_variances(run_flow).values()) == D("410.00")
    # WIP after the run: 710 + 900 - 410 = 1,200.00 = unused 1,000.00 + 200.00
    assert run_flow.wip_before == D("710.00")
    assert run_flow.wip_after == D("1200.00")
    assert case.wip_gl() == D("1200.00")
    # variances reach their accounts: material to the flow's own 5311 (200 + 40), the others
    # to the default accounts
    assert account_balance(case.material_variance_account) == D("240.00")
    numbers = {"5320": D("40.00"), "5330": D("70.00"), "5350": D("60.00")}
    for number, amount in numbers.items():
        assert account_balance(case.company.account(number)) == amount
    purchase = FlowVendorPurchase.objects.get(run_flow=run_flow)
    assert (purchase.quantity, purchase.amount) == (D("140"), D("1470.00"))
    reconciliation = selectors.flow_wip_reconciliation(flow=case.flow)
    assert reconciliation == {
        "general_ledger": D("1200.00"),
        "value_entries": D("1200.00"),
        "sub_ledger": D("1200.00"),
    }
    totals = JournalLine.objects.aggregate(d=Sum("debit"), c=Sum("credit"))
    assert totals["d"] == totals["c"]

    # nothing may be posted for the flow on or before 31 October any more
    leftover_p = FlowWipEntry.objects.filter(kind="material", item=case.parts).order_by("pk")
    with pytest.raises(BusinessError) as refused:
        services.kanban_empty(kanban=leftover_p.last().kanban, posting_date=oct_(31))
    assert refused.value.field == "posting_date"

    # November: the full kanban of P and bin of R are emptied; 50 widgets, 12.5 h, 50 x 10.00
    for item in (case.parts, case.resin):
        kanban = (
            FlowWipEntry.objects.filter(kind="material", item=item).order_by("pk").last().kanban
        )
        services.kanban_empty(kanban=kanban, posting_date=nov(5))
    case.make(nov(10), "50", "12.5", "10.00")
    november_run = run(nov(30))
    november_flow = november_run.flows.get()
    # October's leftovers are settled first: the 4th P transaction (100, 1,000.00) and the 4th
    # R transaction (25 kg, 200.00), each the rest of what was staged
    settled = list(
        FlowSettlement.objects.filter(run_flow=november_flow).values_list(
            "wip_entry__item__number", "quantity", "amount"
        )
    )
    assert sorted(settled) == [("P", D("100"), D("1000.00")), ("R", D("25"), D("200.00"))]
    # overhead 25 % x 1,200.00 = 300.00 = 50 x 6.00: no variance anywhere
    assert case.wip(kind="indirect", run_flow=november_flow) == D("300.00")
    assert _variances(november_flow) == {}
    assert november_flow.wip_after == D("0.00")
    assert case.wip_gl() == D("0.00")
    assert list(november_flow.unused.all()) == []


def test_posting_after_the_run():
    case = build_case()
    october(case)
    run(oct_(31))
    with pytest.raises(BusinessError) as refused:
        services.flow_material_stage(
            flow=case.flow,
            item=case.parts,
            quantity=D("10"),
            posting_date=oct_(31),
            source_key="test:issue:1",
        )
    assert refused.value.field == "posting_date"
    assert "costed through 2026-10-31" in refused.value.message
    services.flow_material_stage(
        flow=case.flow,
        item=case.parts,
        quantity=D("10"),
        posting_date=nov(1),
        source_key="test:issue:2",
    )
    # 10 x 10.00 into WIP: 1,200.00 + 100.00
    assert case.wip_gl() == D("1300.00")


def test_second_run_of_the_same_end_date_posts_nothing():
    case = build_case()
    october(case)
    run(oct_(31))
    values, entries = ValueEntry.objects.count(), ItemLedgerEntry.objects.count()
    lines = JournalLine.objects.count()
    again = run(oct_(31))
    assert again.flows.get().status == BackflushRunFlow.Status.SKIPPED
    assert (ValueEntry.objects.count(), ItemLedgerEntry.objects.count()) == (values, entries)
    assert JournalLine.objects.count() == lines
    assert case.wip_gl() == D("1200.00")


def test_reversal_lifts_the_lock_and_a_rerun_posts_the_same():
    case = build_case()
    october(case)
    first = run(oct_(31))
    reversal = services.backflush_run_reverse(run=first)
    case.flow.refresh_from_db()
    assert case.flow.costed_through is None
    # back to the WIP before the run, 710.00; the variance accounts back to zero
    assert case.wip_gl() == D("710.00")
    assert account_balance(case.material_variance_account) == D("0.00")
    assert reversal.reversal_of == first
    second = run(oct_(31))
    assert _variances(second.flows.get()) == _variances(first.flows.get())
    assert case.wip_gl() == D("1200.00")
    with pytest.raises(BusinessError) as twice:
        services.backflush_run_reverse(run=first)
    assert twice.value.field == "run"

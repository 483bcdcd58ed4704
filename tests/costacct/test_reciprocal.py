"""Reciprocal service centres through the database, and the rates they give back."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from ledger.models import CostCenter, JournalEntry
from ledger.services import LineDraft, journal_entry_post, journal_entry_reverse, period_for_date
from mfgcost.core.errors import BusinessError
from mfgcost.costacct import selectors, services
from mfgcost.costacct.models import (
    CalculationEntry,
    CalculationRule,
    CalculationVersion,
    CostCategory,
    CostEntry,
    RuleReceiver,
)
from mfgcost.items.models import WorkCenter, WorkCenterRate

D = Decimal
DAY = dt.date(2026, 3, 31)
pytestmark = pytest.mark.django_db


def fixed_rule(version, code, sender, shares, kind="distribution", **fields):
    rule = CalculationRule.objects.create(
        version=version,
        code=code,
        kind=kind,
        sender_dimension="cc",
        sender_cost_center=sender,
        receiver_dimension="cc",
        **fields,
    )
    for centre, share in shares:
        RuleReceiver.objects.create(rule=rule, cost_center=centre, share=D(share))
    return rule


@pytest.fixture
def plant(company):
    kinds = {"IT": "service", "HR": "service", "MILL": "production", "ASSY": "production"}
    centres = {
        code: CostCenter.objects.create(code=code, name=code, kind=kind)
        for code, kind in kinds.items()
    }
    lines = [
        LineDraft(account=company.account("6100"), amount=D(amount), cost_center=centres[code])
        for code, amount in (("IT", "10000"), ("HR", "6000"), ("MILL", "20000"), ("ASSY", "15000"))
    ]
    lines.append(LineDraft(account=company.account("2000"), amount=D("-51000")))
    journal_entry_post(journal="GEN", posting_date=DAY, source_key="plant:costs", lines=lines)
    services.cost_categories_reconcile()
    hours = CostCategory.objects.create(
        code="HOURS", name="Machine hours", kind="service", service_source="manual"
    )
    for code, quantity in (("MILL", "1200"), ("ASSY", "900")):
        services.service_journal_post(
            category=hours,
            cost_center=centres[code],
            quantity=quantity,
            posting_date=DAY,
            source_key=f"hours:{code}",
        )
    wcs = {
        code: WorkCenter.objects.create(
            code=code, name=code, cost_center=centres[code], direct_cost_per_hour=D("22.00")
        )
        for code in ("MILL", "ASSY")
    }
    services.cost_ledger_transfer()
    return centres, hours, wcs


def centre_totals(version, period, centres):
    return {
        code: sum(
            selectors.node_amounts(version=version, period=period, node=("cc", c.pk)).values(),
            D("0"),
        )
        for code, c in centres.items()
    }


@pytest.mark.parametrize("it_first", [True, False])
def test_reciprocal_allocation_is_exact_in_any_order_and_proposes_rates(plant, it_first):
    centres, hours, wcs = plant
    period = period_for_date(DAY)
    version = CalculationVersion.objects.create(code="ACT", name="Actual")

    def it():
        fixed_rule(
            version,
            "IT",
            centres["IT"],
            [(centres["HR"], "20"), (centres["MILL"], "50"), (centres["ASSY"], "30")],
        )

    def hr():
        fixed_rule(
            version,
            "HR",
            centres["HR"],
            [(centres["IT"], "10"), (centres["MILL"], "40"), (centres["ASSY"], "50")],
        )

    for make in (it, hr) if it_first else (hr, it):
        make()
    calculation = services.calculation_run(version=version, period=period)
    totals = centre_totals(version, period, centres)
    # x_IT = 10,000 + 0.1 x_HR, x_HR = 6,000 + 0.2 x_IT -> x_IT = 10,816.33, x_HR = 8,163.27
    # MILL = 20,000 + 0.5 x_IT + 0.4 x_HR = 28,673.47
    # ASSY = 15,000 + 0.3 x_IT + 0.5 x_HR = 22,326.53
    assert totals == {
        "IT": D("0.00"),
        "HR": D("0.00"),
        "MILL": D("28673.47"),
        "ASSY": D("22326.53"),
    }
    assert totals["MILL"] + totals["ASSY"] == D("51000.00")

    rows = {
        row.cost_center.code: row
        for row in selectors.rate_comparison(calculation=calculation, hours_category=hours)
    }
    # 28,673.47 / 1,200 h = 23.8945 -> 23.89; 22,326.53 / 900 h = 24.8073 -> 24.81
    assert (rows["MILL"].actual_rate, rows["ASSY"].actual_rate) == (D("23.89"), D("24.81"))
    # Absorbed at the standard 22.00/h: MILL 26,400.00, ASSY 19,800.00; under-absorbed the rest.
    assert rows["MILL"].under_absorbed == D("2273.47")  # 28,673.47 - 26,400.00
    assert rows["ASSY"].under_absorbed == D("2526.53")  # 22,326.53 - 19,800.00
    costing = services.calculation_rates_propose(
        calculation=calculation, hours_category=hours, version_code="RATES-04"
    )
    proposed = {
        r.work_center.code: (r.direct_cost_per_hour, r.status)
        for r in WorkCenterRate.objects.filter(version=costing)
    }
    assert proposed == {"MILL": (D("23.89"), "pending"), "ASSY": (D("24.81"), "pending")}
    assert costing.version_type == "planned"
    assert WorkCenter.objects.get(code="MILL").direct_cost_per_hour == D("22.00")  # until activated


def test_direct_method(plant):
    centres, _, _ = plant
    period = period_for_date(DAY)
    version = CalculationVersion.objects.create(code="DIRECT", name="Direct method")
    fixed_rule(version, "IT", centres["IT"], [(centres["MILL"], "50"), (centres["ASSY"], "30")])
    fixed_rule(version, "HR", centres["HR"], [(centres["MILL"], "40"), (centres["ASSY"], "50")])
    services.calculation_run(version=version, period=period)
    totals = centre_totals(version, period, centres)
    # MILL = 20,000 + 10,000 x 50/80 + 6,000 x 40/90 = 20,000 + 6,250 + 2,666.67 = 28,916.67
    assert totals["MILL"] == D("28916.67")
    assert totals["ASSY"] == D("22083.33")  # 15,000 + 3,750 + 3,333.33


def test_a_closed_loop_is_refused_and_changes_nothing(plant):
    centres, _, _ = plant
    period = period_for_date(DAY)
    version = CalculationVersion.objects.create(code="LOOP", name="Loop")
    fixed_rule(version, "IT-HR", centres["IT"], [(centres["HR"], "100")])
    fixed_rule(version, "HR-IT", centres["HR"], [(centres["IT"], "100")])
    with pytest.raises(BusinessError) as error:
        services.calculation_run(version=version, period=period)
    assert error.value.field == "rules"
    assert "HR-IT, IT-HR" in error.value.message
    assert not CalculationEntry.objects.exists()


def test_a_reversal_is_transferred_as_a_reversal_and_once(plant, company):
    centres, _, _ = plant
    entry = journal_entry_post(
        journal="GEN",
        posting_date=DAY,
        source_key="plant:late",
        lines=[
            LineDraft(
                account=company.account("6100"), amount=D("250.00"), cost_center=centres["IT"]
            ),
            LineDraft(account=company.account("2000"), amount=D("-250.00")),
        ],
    )
    # The 6100 line gives a cost-centre entry and a blank cost-object entry.
    assert services.cost_ledger_transfer() == 2
    reversal = journal_entry_reverse(entry=entry)
    assert services.cost_ledger_transfer() == 2
    assert services.cost_ledger_transfer() == 0
    reversing = CostEntry.objects.filter(journal_line__entry=reversal)
    assert sorted(reversing.values_list("amount", flat=True)) == [D("-250.00"), D("-250.00")]
    assert all(e.reverses.journal_line.entry_id == entry.pk for e in reversing)
    assert CostEntry.objects.filter(cost_center=centres["IT"]).aggregate(s=Sum("amount"))["s"] == D(
        "10000.00"
    )
    assert JournalEntry.objects.filter(reversal_of=entry).count() == 1


def test_fixed_and_variable_parts_follow_their_own_basis(company):
    from ledger.models import CostObject

    mill = CostCenter.objects.create(code="PRESS", name="Press")
    a, b = (CostObject.objects.create(code=code, name=code) for code in ("A", "B"))
    journal_entry_post(
        journal="GEN",
        posting_date=DAY,
        source_key="press",
        lines=[
            LineDraft(account=company.account("6200"), amount=D("600.00"), cost_center=mill),
            LineDraft(account=company.account("6300"), amount=D("400.00"), cost_center=mill),
            LineDraft(account=company.account("2000"), amount=D("-1000.00")),
        ],
    )
    services.cost_categories_reconcile()
    CostCategory.objects.filter(code="6300").update(
        variable=True
    )  # energy varies, depreciation not
    services.cost_ledger_transfer()
    output = CostCategory.objects.create(
        code="OUT", name="Output", kind="service", service_source="manual"
    )
    for obj, quantity in ((a, "3"), (b, "1")):
        services.service_journal_post(
            category=output,
            cost_object=obj,
            quantity=quantity,
            posting_date=DAY,
            source_key=f"out:{obj.code}",
        )
    version = CalculationVersion.objects.create(code="SPLIT", name="Split")
    alloc = CostCategory.objects.create(code="CC-CP", name="CC-CP", kind="secondary")
    offset = CostCategory.objects.create(code="CC-CPoff", name="offset", kind="secondary")
    rule = CalculationRule.objects.create(
        version=version,
        code="PRESS",
        kind="allocation",
        sender_dimension="cc",
        sender_cost_center=mill,
        receiver_dimension="co",
        allocation_category=alloc,
        offset_category=offset,
        split_fixed_variable=True,
        basis_category=output,
    )
    for obj in (a, b):
        RuleReceiver.objects.create(rule=rule, cost_object=obj, share=D("50"))
    period = period_for_date(DAY)
    services.calculation_run(version=version, period=period)

    def total(obj):
        return sum(
            selectors.node_amounts(version=version, period=period, node=("co", obj.pk)).values(),
            D("0"),
        )

    # Fixed 600.00 half and half: 300.00 each; variable 400.00 by output 3 : 1: 300.00 and 100.00.
    assert (total(a), total(b)) == (D("600.00"), D("400.00"))
    parts = sorted(
        CalculationEntry.objects.filter(sender_side=True).values_list("source_amount", flat=True)
    )
    assert parts == [D("400.00"), D("600.00")]

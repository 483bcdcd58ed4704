"""The steel example of the cost-accounting seed, end to end, every figure by hand."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from ledger.models import JournalLine
from ledger.services import period_for_date
from mfgcost.costacct import selectors, services
from mfgcost.costacct.models import (
    CalculationEntry,
    CalculationRule,
    CalculationVersion,
    CostCategory,
    CostEntry,
    RuleReceiver,
    ServiceEntry,
)
from mfgcost.costing.selectors import wip_by_order
from mfgcost.inventory.selectors import reconciliation

from .steel import DAY, secondary_categories, steel_build, steel_post, steel_structure

D = Decimal
pytestmark = pytest.mark.django_db


def rule(
    version,
    code,
    kind,
    sender,
    receiver,
    *,
    source="dimension_value",
    category=None,
    line=None,
    allocation=None,
    offset=None,
):
    sender_dim = "cc" if sender.__class__.__name__ == "CostCenter" else "co"
    receiver_dim = "cc" if receiver.__class__.__name__ == "CostCenter" else "co"
    row = CalculationRule.objects.create(
        version=version,
        code=code,
        kind=kind,
        sender_dimension=sender_dim,
        sender_cost_center=sender if sender_dim == "cc" else None,
        sender_cost_object=sender if sender_dim == "co" else None,
        receiver_dimension=receiver_dim,
        source_kind=source,
        source_category=category,
        source_line=line,
        allocation_category=allocation,
        offset_category=offset,
    )
    RuleReceiver.objects.create(
        rule=row,
        share=D("100"),
        **{"cost_center" if receiver_dim == "cc" else "cost_object": receiver},
    )
    return row


def statement(structure, version, period, node):
    rows = selectors.dimension_statement(
        structure=structure, version=version, period=period, node=node
    )
    return {row.code: row.value for row in rows}


def test_steel_example_full_cost_of_pig_iron(company, make_item):
    steel = steel_build(company, make_item)
    steel_post(steel)
    period = period_for_date(DAY)

    # Setup: account reconciliation makes the P&L accounts primary categories.
    result = services.cost_categories_reconcile()
    assert result["created"] == CostCategory.objects.filter(kind="primary").count()
    assert services.cost_categories_reconcile() == {"created": 0, "updated": 0}
    primary = {c.code: c for c in CostCategory.objects.filter(kind="primary")}
    # Dimension posting control: no blank cost centre on 401100, 500101, 500111, no blank cost
    # object on 600250.
    CostCategory.objects.filter(code__in=["401100", "500101", "500111"]).update(
        skip_blank_cost_center=True
    )
    CostCategory.objects.filter(code="600250").update(skip_blank_cost_object=True)
    categories = {**primary, **secondary_categories()}
    structure = steel_structure(categories)
    lines = {line.code: line for line in structure.lines.all()}

    made = services.cost_ledger_transfer()
    # 500111: 4 consumption lines with a cost object (Sint once, Iron three times) -> 4 entries;
    # 500101: 4 output lines (the slag output is worth 0.00 and makes none) -> 4;
    # 401100: slag revenue -> 1; 600250: SP and BF -> 2. Nothing else is on the P&L.
    assert made == 11
    assert services.cost_ledger_transfer() == 0  # a second transfer posts nothing

    def co_total(code, obj):
        return CostEntry.objects.filter(
            category__code=code, cost_object=steel.objects[obj]
        ).aggregate(s=Sum("amount"))["s"]

    # Sinter: 8,400 t = 7,800 t ore x 55 + 420 t coke x 75 + 600 t limestone x 20
    #       = 429,000 + 31,500 + 12,000 = 472,500.00 consumed; 8,400 x 56.25 = 472,500.00 output.
    assert co_total("500111", "Sint") == D("472500.00")
    assert co_total("500101", "Sint") == D("-472500.00")
    # Iron: 8,400 t sinter x 56.25 = 472,500 + 2,400 t coke x 75 = 180,000 -> 652,500.00;
    # output 6,000 t x 108.75 = 652,500.00.
    assert co_total("500111", "Iron") == D("652500.00")
    assert co_total("500101", "Iron") == D("-652500.00")
    assert co_total("401100", "Slag") == D("-15000.00")

    ServiceEntry.objects.all().delete()
    assert services.service_entries_transfer(period=period) == 7  # 1 sinter, 3 iron, 3 slag outputs
    assert services.service_entries_transfer(period=period) == 0

    version = CalculationVersion.objects.create(code="ACT", name="Actual")
    c = categories
    rule(
        version,
        "SP-SINT",
        "allocation",
        steel.centres["SP"],
        steel.objects["Sint"],
        allocation=c["CC-CP"],
        offset=c["CC-CPwg"],
    )
    rule(
        version,
        "BF-IRON",
        "allocation",
        steel.centres["BF"],
        steel.objects["Iron"],
        allocation=c["CC-CP"],
        offset=c["CC-CPwg"],
    )
    # Entered before the rule that feeds it: the order does not matter.
    rule(
        version,
        "SINT-WG",
        "allocation",
        steel.objects["Sint"],
        steel.objects["Iron"],
        source="line",
        line=lines["2_WG"],
        allocation=c["CP-CPwg"],
        offset=c["CP-CPwg-off"],
    )
    rule(
        version,
        "SINT-RM",
        "distribution",
        steel.objects["Sint"],
        steel.objects["Iron"],
        source="line",
        line=lines["1_RM"],
    )
    rule(
        version,
        "SINT-CP",
        "allocation",
        steel.objects["Sint"],
        steel.objects["Iron"],
        source="category",
        category=c["500101"],
        allocation=c["CP-CPrm"],
        offset=c["CP-CPrm-off"],
    )
    for r in version.rules.all():
        assert selectors.rule_validation(r) == []  # the green light

    calculation = services.calculation_run(version=version, period=period)
    iron = ("co", steel.objects["Iron"].pk)
    sint = ("co", steel.objects["Sint"].pk)
    result = statement(structure, version, period, iron)
    # Raw material over the chain: 652,500 (own) + 472,500 (sinter's, distributed)
    #                              - 472,500 (sinter's change in inventory) = 652,500.00
    assert result["1_RM"] == D("652500.00")
    # Wages: 10,000 (BF) + 5,333 (SP through the sinter) = 15,333.00
    assert result["2_WG"] == D("15333.00")
    assert result["3_TC"] == D("667833.00")  # 652,500 + 15,333
    assert result["3_TO"] == D("6000.00")  # 1,500 + 2,500 + 2,000 t
    assert result["3_TT"] == D("111.31")  # 667,833 / 6,000 = 111.3055
    assert result["4_CP"] == D("-652500.00")
    sinter = statement(structure, version, period, sint)
    assert sinter == {
        "1_RM": D("0.00"),
        "2_WG": D("0.00"),
        "3_TC": D("0.00"),
        "3_TO": D("8400.00"),
        "3_TT": D("0.00"),
        "4_CP": D("0.00"),
        "5_SL": D("0.00"),
        "6_TS": D("0.00"),
    }
    # Each entry names its rule and source amount: SINT-RM passed on 472,500.00.
    dist = CalculationEntry.objects.get(rule__code="SINT-RM", sender_side=False)
    assert (dist.category.code, dist.amount, dist.source_amount) == (
        "500111",
        D("472500.00"),
        D("472500.00"),
    )
    wages = CalculationEntry.objects.get(rule__code="SINT-WG", sender_side=False)
    assert (wages.category.code, wages.amount) == ("CP-CPwg", D("5333.00"))
    # The calculation moves cost, it creates none.
    assert CalculationEntry.objects.aggregate(s=Sum("amount"))["s"] == D("0.00")

    # Rebuilding gives identical entries.
    def snapshot():
        return sorted(
            CalculationEntry.objects.values_list(
                "rule__code",
                "category__code",
                "dimension",
                "cost_center",
                "cost_object",
                "amount",
                "source_amount",
                "share",
                "sender_side",
            )
        )

    before = snapshot()
    again = services.calculation_run(version=version, period=period)
    assert again.pk == calculation.pk
    assert snapshot() == before

    # The slag revenue credited to the iron: (667,833 - 15,000) / 6,000 = 108.8055 -> 108.81.
    rule(
        version,
        "SLAG-IRON",
        "allocation",
        steel.objects["Slag"],
        steel.objects["Iron"],
        source="line",
        line=lines["5_SL"],
        allocation=c["CP-CPsl"],
        offset=c["CP-CPsl-off"],
    )
    services.calculation_run(version=version, period=period)
    result = statement(structure, version, period, iron)
    assert result["1_RM"] == D("637500.00")  # 652,500 - 15,000
    assert result["3_TC"] == D("652833.00")
    assert result["3_TT"] == D("108.81")
    slag = statement(structure, version, period, ("co", steel.objects["Slag"].pk))
    assert slag["5_SL"] == D("0.00")

    # The ledger balances, and the P&L setup leaves the WIP account and the orders' WIP at zero.
    totals = JournalLine.objects.aggregate(d=Sum("debit"), c=Sum("credit"))
    assert totals["d"] == totals["c"]
    wip = JournalLine.objects.filter(account__number="1330").aggregate(
        d=Sum("debit"), c=Sum("credit")
    )
    assert wip["d"] is None and wip["c"] is None
    assert {r["account"]: r["difference"] for r in reconciliation()} == {
        "1300": D("0.00"),  # raw materials: 10,000 t each bought, the flushed tonnes consumed
        "1310": D("0.00"),  # sinter, iron and slag at standard
        "1330": D("0.00"),  # WIP: untouched in the P&L setup
    }
    report = wip_by_order()
    assert [a["difference"] for a in report["accounts"]] == [D("0")] * len(report["accounts"])
    assert report["rows"] == []  # no order holds WIP on a WIP account in the P&L setup

"""The steel example (sinter plant and blast furnace), keyed in as a controller would.

Six items in tonnes; iron ore concentrate 55.00, coke 75.00 and limestone 20.00 a tonne (standard
cost); sinter from a formula of 1.4 t (1.3 ore, 0.07 coke, 0.1 limestone); pig iron from a
formula of 1 t (1.4 sinter, 0.4 coke) with 0.3 t slag as a by-product carrying no cost. Sinter,
iron and slag book production in the P&L: consumption to 500111 "change in inventory - raw
materials", output to 500101 "change in inventory - products", with their cost objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ledger.models import Account, CostCenter, CostObject, GeneralPostingSetup, ItemPostingGroup
from ledger.services import LineDraft, journal_entry_post
from mfgcost.company import Company
from mfgcost.costacct.models import CostCategory, LineStructure, StatementLine
from mfgcost.inventory.models import InventoryPostingSetup
from mfgcost.inventory.services import purchase_receipt_post, sale_post
from mfgcost.items.models import (
    BomLine,
    BomOutput,
    BomVersion,
    CostingVersion,
    Item,
    StandardCost,
    StandardCostLine,
)
from mfgcost.production.services import (
    production_order_create,
    production_order_release,
    production_output_post,
)

D = Decimal
DAY = dt.date(2026, 3, 10)


def standard(item: Item, amount: Decimal, group) -> None:
    version, _ = CostingVersion.objects.get_or_create(
        code="STD", defaults={"name": "Standard", "version_type": "standard"}
    )
    cost = StandardCost.objects.create(
        version=version,
        item=item,
        activation_date=dt.date(2026, 3, 1),
        status="active",
        unit_cost=amount,
        lot_size=item.lot_size,
    )
    StandardCostLine.objects.create(
        standard_cost=cost, cost_group=group, this_level=amount, rolled_up=amount
    )
    Item.objects.filter(pk=item.pk).update(standard_cost=amount, unit_cost=amount)
    item.refresh_from_db()


@dataclass
class Steel:
    company: Company
    accounts: dict
    centres: dict
    objects: dict
    items: dict


def account(number, name, account_type, statement="pl"):
    return Account.objects.create(
        number=number, name=name, account_type=account_type, statement=statement
    )


def steel_build(company: Company, make_item) -> Steel:
    accounts = {
        "401100": account("401100", "Revenue", "income"),
        "500101": account("500101", "Change in inventory - products", "expense"),
        "500111": account("500111", "Change in inventory - raw materials", "expense"),
        "600250": account("600250", "Manufacturing salaries", "expense"),
        "1200": account("1200", "Receivables", "asset", "bs"),
    }
    centres = {
        code: CostCenter.objects.create(code=code, name=name)
        for code, name in (("SP", "Sinter plant"), ("BF", "Blast furnace"))
    }
    objects = {
        code: CostObject.objects.create(code=code, name=code) for code in ("Sint", "Iron", "Slag")
    }
    # Production in the P&L for the produced items' posting group.
    group = ItemPostingGroup.objects.create(code="PROCESS", name="Process products")
    default = GeneralPostingSetup.objects.get(posting_group=None)
    fields = {
        f.name: getattr(default, f.name)
        for f in GeneralPostingSetup._meta.fields
        if f.name.endswith("_account") and getattr(default, f.attname) is not None
    }
    GeneralPostingSetup.objects.create(
        posting_group=group,
        **fields,
        production_issue_offset_account=accounts["500111"],
        production_receipt_offset_account=accounts["500101"],
    )
    InventoryPostingSetup.objects.create(
        posting_group=group,
        location=None,
        inventory_account=company.account("1310"),
        inventory_accrual_account=company.account("2100"),
        wip_account=company.account("1330"),
    )
    t = company.units["t"]
    mat = company.cost_groups["MAT"]
    items = {}
    for number, cost in (("IronOre", "55"), ("Coke", "75"), ("Limestone", "20")):
        items[number] = make_item(
            number=number, base_unit=t, costing_method="standard", standard_cost=D(cost)
        )
    for number, cost_object in (("Sinter", "Sint"), ("Iron", "Iron"), ("Slag", "Slag")):
        items[number] = make_item(
            number=number,
            base_unit=t,
            costing_method="standard",
            replenishment="production",
            posting_group=group,
            cost_object=objects[cost_object],
        )
    # Sinter: (1.3 x 55 + 0.07 x 75 + 0.1 x 20) / 1.4 = 78.75 / 1.4 = 56.25 a tonne.
    standard(items["Sinter"], D("56.25"), mat)
    # Pig iron: 1.4 x 56.25 + 0.4 x 75 = 78.75 + 30.00 = 108.75 a tonne; slag carries nothing.
    standard(items["Iron"], D("108.75"), mat)
    sinter_bom = BomVersion.objects.create(
        item=items["Sinter"], version="1", valid_from=dt.date(2026, 1, 1), quantity=D("1.4")
    )
    for line_no, component, quantity in (
        (10, "IronOre", "1.3"),
        (20, "Coke", "0.07"),
        (30, "Limestone", "0.1"),
    ):
        BomLine.objects.create(
            bom=sinter_bom,
            line_no=line_no,
            component=items[component],
            quantity_per=D(quantity),
            unit=t,
            flushing_method="backward",
        )
    iron_bom = BomVersion.objects.create(
        item=items["Iron"], version="1", valid_from=dt.date(2026, 1, 1)
    )
    for line_no, component, quantity in ((10, "Sinter", "1.4"), (20, "Coke", "0.4")):
        BomLine.objects.create(
            bom=iron_bom,
            line_no=line_no,
            component=items[component],
            quantity_per=D(quantity),
            unit=t,
            flushing_method="backward",
        )
    BomOutput.objects.create(bom=iron_bom, item=items["Slag"], kind="by_product", quantity=D("0.3"))
    return Steel(company, accounts, centres, objects, items)


def steel_post(steel: Steel) -> None:
    """Stock bought, four batch orders reported with backward flushing, slag sold, salaries."""
    items, main = steel.items, steel.company.main
    for number in ("IronOre", "Coke", "Limestone"):
        purchase_receipt_post(
            item=items[number],
            location=main,
            quantity=D("10000"),
            unit_cost=items[number].standard_cost,
            posting_date=dt.date(2026, 3, 1),
            source_key=f"steel:{number}:receipt",
        )
    for number, item, quantity in (
        ("SIN-1", "Sinter", "8400"),
        ("IRON-1", "Iron", "1500"),
        ("IRON-2", "Iron", "2500"),
        ("IRON-3", "Iron", "2000"),
    ):
        order = production_order_create(
            number=number, item=items[item], quantity=quantity, location=main, due_date=DAY
        )
        order = production_order_release(
            order=order, posting_date=DAY, source_key=f"steel:{number}:release"
        )
        production_output_post(
            order=order, quantity=quantity, posting_date=DAY, source_key=f"steel:{number}:output"
        )
    sale_post(
        item=items["Slag"],
        location=main,
        quantity=D("1000"),
        posting_date=DAY,
        source_key="steel:slag:sale",
    )
    # 1,000 t x 15.00 = 15,000.00 revenue on the slag.
    journal_entry_post(
        journal="GEN",
        posting_date=DAY,
        source_key="steel:slag:invoice",
        lines=[
            LineDraft(account=steel.accounts["1200"], amount=D("15000.00")),
            LineDraft(
                account=steel.accounts["401100"],
                amount=D("-15000.00"),
                cost_object=steel.objects["Slag"],
            ),
        ],
    )
    journal_entry_post(
        journal="GEN",
        posting_date=DAY,
        source_key="steel:salaries",
        lines=[
            LineDraft(
                account=steel.accounts["600250"],
                amount=D("5333.00"),
                cost_center=steel.centres["SP"],
            ),
            LineDraft(
                account=steel.accounts["600250"],
                amount=D("10000.00"),
                cost_center=steel.centres["BF"],
            ),
            LineDraft(account=steel.company.account("2000"), amount=D("-15333.00")),
        ],
    )


def steel_structure(categories: dict) -> LineStructure:
    """1_RM, 2_WG, 3_TC = 1_RM + 2_WG, 3_TO output, 3_TT = 3_TC / 3_TO, 4_CP, 5_SL, 6_TS."""
    structure = LineStructure.objects.create(code="STEEL", name="Steel cost statement")

    def line(code, sequence, line_type, cats=(), total_of=(), formula=""):
        row = StatementLine.objects.create(
            structure=structure,
            code=code,
            sequence=sequence,
            name=code,
            line_type=line_type,
            formula=formula,
        )
        row.categories.set([categories[c] for c in cats])
        row.total_of.set(total_of)
        return row

    rm = line("1_RM", 10, "categories", ("500111", "CP-CPrm", "CP-CPsl"))
    wg = line("2_WG", 20, "categories", ("600250", "CC-CP", "CC-CPwg", "CP-CPwg", "CP-CPwg-off"))
    tc = line("3_TC", 30, "total", total_of=(rm, wg))
    line("3_TO", 31, "quantity", ("Output_t",))
    line("3_TT", 32, "calculated", formula="3_TC / 3_TO")
    cp = line("4_CP", 40, "categories", ("500101", "CP-CPrm-off"))
    sl = line("5_SL", 50, "categories", ("401100", "CP-CPsl-off"))
    line("6_TS", 60, "total", total_of=(tc, cp, sl))
    return structure


def secondary_categories() -> dict:
    out = {}
    for code in (
        "CC-CP",
        "CC-CPwg",
        "CP-CPrm",
        "CP-CPrm-off",
        "CP-CPwg",
        "CP-CPwg-off",
        "CP-CPsl",
        "CP-CPsl-off",
    ):
        out[code] = CostCategory.objects.create(code=code, name=code, kind="secondary")
    out["Output_t"] = CostCategory.objects.create(
        code="Output_t", name="Output in tonnes", kind="service", service_source="output_quantity"
    )
    return out

"""The demo company's master data and its standard costs for October 2026.

Bought: steel sheet (FIFO, planned at 5.00/kg), powder paint (average, planned at 3.20/l), bolts
(standard cost 0.40) and the powder-coating service (2.00 a piece at vendor COATCO).

Produced, both at standard cost, with standards from the roll-up of version STD-2026-10:

* DEMO-BRACKET (lot 10): 2 kg steel and 4 bolts (bolts flushed backward with the output); cut
  and weld at WELD, setup 1 h per lot, run 0.5 h (30.00/h direct, 25 % capacity overhead);
  costing sheet MOH10 (manufacturing overhead 10 % of direct material).
  Standard: MAT 11.60 + LAB 18.00 + COH 4.50 + MOH 1.16 = 35.26.
* DEMO-SHELF (lot 20): 2 brackets and 3 kg steel at operation 10 (assemble at WELD, setup 1 h
  per lot, run 0.25 h), 0.25 l paint at operation 20 (powder coating by COATCO, which gets the
  paint from our stock).
  This level: MAT 2 x 35.26 + 3 x 5.00 + 0.25 x 3.20 = 86.32, LAB 0.3 h x 30.00 = 9.00,
  COH 2.25, SUB 2.00; 99.57. Rolled up: MAT 39.00, LAB 45.00, COH 11.25, MOH 2.32, SUB 2.00.

Everything is written through the services the admin and the API use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ledger.models import CostCenter, CostObject
from mfgcost.company import Company, vendor_location_create
from mfgcost.items.models import CostingSheetRule, CostingVersion, Item, WorkCenter
from mfgcost.items.services import (
    bom_version_save,
    costing_sheet_save,
    item_save,
    master_data_save,
    routing_version_save,
    standard_cost_activate,
    standard_cost_rollup,
)
from subcontracting.models import ServicePrice, Vendor

D = Decimal
VERSION_CODE = "STD-2026-10"


@dataclass
class Catalogue:
    """The demo's items, work centres and vendor."""

    steel: Item
    paint: Item
    bolts: Item
    coating: Item
    bracket: Item
    shelf: Item
    weld: WorkCenter
    coater: WorkCenter
    vendor: Vendor
    version: CostingVersion


def catalogue_create(*, company: Company, marker: str, valid_from: dt.date) -> Catalogue:
    """Items, work centres, the coating vendor, BOMs and routings valid from ``valid_from``."""
    groups, units = company.cost_groups, company.units

    def bought(number, description, unit, method, price, **fields):
        return item_save(
            number=number,
            description=description,
            base_unit=units[unit],
            costing_method=method,
            posting_group=company.groups["RAW"],
            cost_group=groups["MAT"],
            standard_cost=D(price),
            unit_cost=D(price),
            **fields,
        )

    steel = bought(marker, "Steel sheet", "kg", Item.CostingMethod.FIFO, "5.00")
    paint = bought("DEMO-PAINT", "Powder paint", "l", Item.CostingMethod.AVERAGE, "3.20")
    bolts = bought("DEMO-BOLT", "Bolt M8", "pcs", Item.CostingMethod.STANDARD, "0.40")
    coating = item_save(
        number="DEMO-SVC-COAT",
        description="Powder coating (service)",
        base_unit=units["pcs"],
        item_type=Item.ItemType.SERVICE,
        costing_method=Item.CostingMethod.STANDARD,
        posting_group=company.groups["SERVICE"],
        cost_group=groups["SUB"],
        standard_cost=D("2.00"),
        unit_cost=D("2.00"),
    )

    location = vendor_location_create(
        code="VEND-COAT", name="Stock at Coatco (powder coating)", company=company
    )
    vendor = Vendor.objects.create(
        code="COATCO",
        name="Coatco Powder Coating",
        location=location,
        order_creation=Vendor.OrderCreation.AUTOMATIC,
        price_tolerance_percent=D("10"),
    )
    ServicePrice.objects.create(
        vendor=vendor,
        service_item=coating,
        valid_from=dt.date(valid_from.year, 1, 1),
        min_quantity=D("0"),
        unit_price=D("2.00"),
    )

    # Cost accounting: the welding shop is a production cost centre, the two products are cost
    # objects, so capacity postings carry them on their P&L lines.
    weld_centre, _ = CostCenter.objects.get_or_create(
        code="WELD", defaults={"name": "Welding shop", "kind": CostCenter.Kind.PRODUCTION}
    )
    weld = master_data_save(
        model=WorkCenter,
        code="WELD",
        name="Cutting and welding",
        cost_center=weld_centre,
        direct_cost_per_hour=D("30.00"),
        direct_cost_group=groups["LAB"],
        overhead_percent=D("25"),
        overhead_cost_group=groups["COH"],
    )
    coater = master_data_save(
        model=WorkCenter, code="COAT-V", name="Powder coating at Coatco", vendor=vendor
    )
    sheet = costing_sheet_save(
        code="MOH10",
        name="Manufacturing overhead 10 % of direct material",
        rules=[
            {
                "basis": CostingSheetRule.Basis.SURCHARGE_PERCENT,
                "percent": D("10"),
                "cost_group": groups["MOH"],
                "base_cost_groups": [groups["MAT"]],
            }
        ],
    )

    def produced(number, description, lot_size, **fields):
        return item_save(
            number=number,
            description=description,
            base_unit=units["pcs"],
            costing_method=Item.CostingMethod.STANDARD,
            replenishment=Item.Replenishment.PRODUCTION,
            posting_group=company.groups["FINISHED"],
            lot_size=D(lot_size),
            **fields,
        )

    # The bracket is also a component of the shelf: as such it is direct material.
    bracket = produced(
        "DEMO-BRACKET",
        "Wall bracket",
        "10",
        cost_group=groups["MAT"],
        costing_sheet=sheet,
        cost_object=CostObject.objects.get_or_create(code="BRACKET", defaults={"name": "Brackets"})[
            0
        ],
    )
    shelf = produced(
        "DEMO-SHELF",
        "Coated wall shelf",
        "20",
        cost_object=CostObject.objects.get_or_create(code="SHELF", defaults={"name": "Shelves"})[0],
    )
    bom_version_save(
        item=bracket,
        version="1",
        valid_from=valid_from,
        lines=[
            {"component": steel, "quantity_per": D("2"), "unit": units["kg"], "operation_no": 10},
            {
                "component": bolts,
                "quantity_per": D("4"),
                "unit": units["pcs"],
                "operation_no": 10,
                "flushing_method": "backward",
            },
        ],
    )
    routing_version_save(
        item=bracket,
        version="1",
        valid_from=valid_from,
        operations=[
            {
                "operation_no": 10,
                "description": "Cut and weld",
                "work_center": weld,
                "setup_time": D("1"),
                "run_time": D("0.5"),
            }
        ],
    )
    bom_version_save(
        item=shelf,
        version="1",
        valid_from=valid_from,
        lines=[
            {
                "component": bracket,
                "quantity_per": D("2"),
                "unit": units["pcs"],
                "operation_no": 10,
            },
            {"component": steel, "quantity_per": D("3"), "unit": units["kg"], "operation_no": 10},
            {"component": paint, "quantity_per": D("0.25"), "unit": units["l"], "operation_no": 20},
        ],
    )
    routing_version_save(
        item=shelf,
        version="1",
        valid_from=valid_from,
        operations=[
            {
                "operation_no": 10,
                "description": "Assemble",
                "work_center": weld,
                "setup_time": D("1"),
                "run_time": D("0.25"),
            },
            {
                "operation_no": 20,
                "description": "Powder coating",
                "work_center": coater,
                "subcontracted": True,
                "service_item": coating,
            },
        ],
    )
    version = master_data_save(
        model=CostingVersion,
        code=VERSION_CODE,
        name="Standard costs from October 2026",
        version_type=CostingVersion.VersionType.STANDARD,
    )
    return Catalogue(
        steel=steel,
        paint=paint,
        bolts=bolts,
        coating=coating,
        bracket=bracket,
        shelf=shelf,
        weld=weld,
        coater=coater,
        vendor=vendor,
        version=version,
    )


def standards_roll_up_and_activate(*, catalogue: Catalogue, on: dt.date, user=None) -> None:
    """Roll the shelf (and the bracket below it) up in the version and activate both on ``on``."""
    outcome = standard_cost_rollup(version=catalogue.version, items=[catalogue.shelf], as_of=on)
    standard_cost_activate(standard_costs=outcome.records, posting_date=on, user=user)
    for item in (catalogue.bracket, catalogue.shelf):
        item.refresh_from_db()

"""Standard-cost roll-up of a generated product structure: time, peak memory, SQL queries.

Generates items over six levels (level 5 bought, levels 0-4 produced, each produced item with
three BOM lines, one of them in grams against a kilogram base unit, and two operations, one in
ten subcontracted; a costing sheet on the top level), then rolls up the top-level items with
``standard_cost_rollup``. It does this for a small and a large structure and prints, for each,
the time, the peak memory of the roll-up (tracemalloc, in a second run) and the number of SQL
queries: the count depends on the depth of the BOMs, not on the number of items.

``python -m bench.rollup [--n 10000] [--small 1000] [--keep]`` (needs PostgreSQL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tracemalloc
from decimal import Decimal

from bench.common import drop_database, setup_django_on, stopwatch

DB = "mfgcost_bench_rollup"
LEVELS = 6
SHARE = [10, 12, 15, 18, 20, 25]  # % of the items on each level, top (0) to bought (5)
AS_OF = dt.date(2026, 3, 1)


def level_sizes(n: int) -> list[int]:
    sizes = [n * share // 100 for share in SHARE]
    sizes[-1] += n - sum(sizes)
    return sizes


def generate(prefix: str, n: int, company, setup: dict) -> list:
    """Items, BOMs and routings of one product structure; returns its top-level items."""
    from mfgcost.items.models import (
        BomLine,
        BomVersion,
        Item,
        Operation,
        RoutingVersion,
    )

    rng = random.Random(f"{prefix}{n}")
    units = company.units
    by_level: list[list[Item]] = []
    for level, size in enumerate(level_sizes(n)):
        bought = level == LEVELS - 1
        by_level.append(
            Item.objects.bulk_create(
                Item(
                    number=f"{prefix}{level}-{index:05d}",
                    description=f"Level {level} item {index}",
                    base_unit=units["kg"] if bought else units["pcs"],
                    posting_group=company.groups["RAW" if bought else "FINISHED"],
                    cost_group=company.cost_groups["MAT"],
                    costing_method=Item.CostingMethod.STANDARD,
                    replenishment=(
                        Item.Replenishment.PURCHASE if bought else Item.Replenishment.PRODUCTION
                    ),
                    standard_cost=Decimal(rng.randint(100, 2000)) / 100 if bought else Decimal(0),
                    lot_size=Decimal(rng.choice([10, 20, 50, 100])),
                    costing_sheet=setup["sheet"] if level == 0 else None,
                )
                for index in range(size)
            )
        )
    produced = [item for level in by_level[:-1] for item in level]
    valid_from = dt.date(2026, 1, 1)
    boms = BomVersion.objects.bulk_create(
        BomVersion(item=item, version="1", valid_from=valid_from) for item in produced
    )
    routings = RoutingVersion.objects.bulk_create(
        RoutingVersion(item=item, version="1", valid_from=valid_from) for item in produced
    )
    lines, operations = [], []
    position = {item.pk: level for level, items in enumerate(by_level) for item in items}
    for bom, routing in zip(boms, routings, strict=True):
        level = position[bom.item_id]
        below = [rng.choice(by_level[level + 1])]  # one a level down: the structure is 6 deep
        below += [rng.choice(by_level[rng.randint(level + 1, LEVELS - 1)]) for _ in range(2)]
        for number, component in enumerate(below, start=1):
            in_grams = component.base_unit_id == units["kg"].pk and number == 3
            lines.append(
                BomLine(
                    bom=bom,
                    line_no=number * 10,
                    component=component,
                    quantity_per=Decimal(rng.randint(1, 40)) * (250 if in_grams else 1) / 10,
                    unit=setup["g"] if in_grams else component.base_unit,
                    scrap_percent=Decimal(rng.choice([0, 0, 2, 5])),
                )
            )
        operations.append(
            Operation(
                routing=routing,
                operation_no=10,
                work_center=setup["machine"],
                setup_time=Decimal("0.5"),
                run_time=Decimal(rng.randint(1, 30)) / 100,
            )
        )
        subcontracted = rng.random() < 0.1
        operations.append(
            Operation(
                routing=routing,
                operation_no=20,
                work_center=setup["vendor_center"] if subcontracted else setup["assembly"],
                run_time=Decimal("0") if subcontracted else Decimal(rng.randint(1, 20)) / 100,
                subcontracted=subcontracted,
                service_item=setup["service"] if subcontracted else None,
            )
        )
    BomLine.objects.bulk_create(lines, batch_size=5000)
    Operation.objects.bulk_create(operations, batch_size=5000)
    return by_level[0]


def shared_setup(company) -> dict:
    """Work centres, a service, a costing sheet and a gram unit used by every structure."""
    from mfgcost.items.models import (
        CostingSheet,
        CostingSheetRule,
        Item,
        UnitConversion,
        UnitOfMeasure,
        WorkCenter,
    )
    from subcontracting.models import Vendor

    groups = company.cost_groups
    gram = UnitOfMeasure.objects.create(code="g", name="Gram")
    UnitConversion.objects.create(from_unit=company.units["kg"], to_unit=gram, factor=1000)
    machine = WorkCenter.objects.create(
        code="MACH",
        name="Machining",
        direct_cost_per_hour=Decimal("55"),
        direct_cost_group=groups["LAB"],
        overhead_per_hour=Decimal("12"),
        overhead_percent=Decimal("10"),
        overhead_cost_group=groups["COH"],
    )
    assembly = WorkCenter.objects.create(
        code="ASSY",
        name="Assembly",
        direct_cost_per_hour=Decimal("42"),
        direct_cost_group=groups["LAB"],
        overhead_per_hour=Decimal("8"),
        overhead_cost_group=groups["COH"],
    )
    vendor = Vendor.objects.create(code="PLATER", name="Plating vendor")
    vendor_center = WorkCenter.objects.create(code="PLATE", name="Plating", vendor=vendor)
    service = Item.objects.create(
        number="SVC-PLATE",
        description="Plating service",
        item_type=Item.ItemType.SERVICE,
        base_unit=company.units["pcs"],
        posting_group=company.groups["SERVICE"],
        cost_group=groups["SUB"],
        standard_cost=Decimal("1.75"),
    )
    sheet = CostingSheet.objects.create(code="TOP", name="Top-level overheads")
    surcharge = CostingSheetRule.objects.create(
        sheet=sheet,
        basis=CostingSheetRule.Basis.SURCHARGE_PERCENT,
        percent=Decimal("8"),
        cost_group=groups["MOH"],
    )
    surcharge.base_cost_groups.set([groups["MAT"]])
    CostingSheetRule.objects.create(
        sheet=sheet,
        sequence=20,
        basis=CostingSheetRule.Basis.RATE_PER_HOUR,
        rate=Decimal("3.5"),
        cost_group=groups["MOH"],
    )
    return {
        "g": gram,
        "machine": machine,
        "assembly": assembly,
        "vendor_center": vendor_center,
        "service": service,
        "sheet": sheet,
    }


class QueryCounter:
    """Counts SQL statements (``connection.execute_wrapper``) without keeping them."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure(code: str, tops: list) -> dict:
    """Roll up ``tops`` twice: timed with the queries counted, then under tracemalloc."""
    from django.db import connection

    from mfgcost.items.models import CostingVersion, StandardCost, StandardCostLine
    from mfgcost.items.services import standard_cost_rollup

    version = CostingVersion.objects.create(code=code, name=code, version_type="standard")
    counter = QueryCounter()
    with connection.execute_wrapper(counter), stopwatch() as elapsed:
        outcome = standard_cost_rollup(version=version, items=tops, as_of=AS_OF)
    seconds = elapsed()
    tracemalloc.start()
    standard_cost_rollup(version=version, items=tops, as_of=AS_OF)  # replaces the pending ones
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    top = StandardCost.objects.filter(version=version).order_by("-unit_cost").first()
    return {
        "records": len(outcome.records),
        "seconds": seconds,
        "queries": counter.count,
        "peak_mb": peak / 1024 / 1024,
        "lines": StandardCostLine.objects.filter(standard_cost__version=version).count(),
        "top": top,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="items of the large structure")
    parser.add_argument("--small", type=int, default=1_000, help="items of the small structure")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args(argv)

    setup_django_on(DB)
    from mfgcost.company import company_setup

    company = company_setup()
    setup = shared_setup(company)
    results = {}
    for code, prefix, n in (("SMALL", "S", args.small), ("LARGE", "L", args.n)):
        with stopwatch() as generating:
            tops = generate(prefix, n, company, setup)
        print(
            f"generated {n:,} items over {LEVELS} levels ({len(tops)} top-level) "
            f"in {generating():.1f} s",
            flush=True,
        )
        results[n] = result = measure(code, tops)
        print(
            f"roll-up of {n:,} items: {result['records']:,} standard costs, "
            f"{result['lines']:,} cost-group lines in {result['seconds']:.2f} s; "
            f"peak memory {result['peak_mb']:.1f} MB; {result['queries']} SQL queries; "
            f"highest: {result['top'].item} at {result['top'].unit_cost}",
            flush=True,
        )
    small, large = results[args.small]["queries"], results[args.n]["queries"]
    print(
        f"SQL queries: {small} for {args.small:,} items, {large} for {args.n:,} items "
        f"({'flat' if small == large else 'NOT flat'} in the number of items)"
    )
    if not args.keep:
        drop_database(DB)
    return 0 if small == large else 1


if __name__ == "__main__":
    raise SystemExit(main())

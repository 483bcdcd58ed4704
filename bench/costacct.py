"""Period calculation of cost accounting at scale: time and peak memory.

Generates 1,000 cost centres (100 service centres in reciprocal rings of four, 900 production
centres) and 10,000 cost objects with one primary cost each (one journal entry, transferred to
the cost ledger), then rules: every service centre serves the other three of its ring and five
production centres; every production centre allocates to eleven cost objects by their output
quantity (service entries); 1,000 intermediate cost objects distribute to the final ones, with
one in ten receiving 10 % back from its receiver (a loop, like scale fed back to an earlier
stage). The calculation is solved exactly by strongly connected components.

``python -m bench.costacct [--centres 1000] [--objects 10000] [--keep]`` (needs PostgreSQL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tracemalloc
from decimal import Decimal

from bench.common import drop_database, setup_django_on, stopwatch

DB = "mfgcost_bench_costacct"
DAY = dt.date(2026, 3, 31)
LIMIT_SECONDS = 10.0


def generate(company, centres: int, objects: int):
    from ledger.models import CostCenter, CostObject
    from ledger.services import LineDraft, journal_entry_post, period_for_date
    from mfgcost.costacct import services
    from mfgcost.costacct.models import (
        CalculationRule,
        CalculationVersion,
        CostCategory,
        RuleReceiver,
        ServiceEntry,
    )

    service_count = centres // 10 // 4 * 4
    ccs = CostCenter.objects.bulk_create(
        CostCenter(
            code=f"CC{i:05d}",
            name=f"Centre {i}",
            kind="service" if i < service_count else "production",
        )
        for i in range(centres)
    )
    cos = CostObject.objects.bulk_create(
        CostObject(code=f"CO{i:06d}", name=f"Object {i}") for i in range(objects)
    )
    lines = [
        LineDraft(account=company.account("6100"), amount=Decimal(1000 + i % 97), cost_center=cc)
        for i, cc in enumerate(ccs)
    ]
    lines += [
        LineDraft(account=company.account("5000"), amount=Decimal(100 + i % 13), cost_object=co)
        for i, co in enumerate(cos)
    ]
    total = sum((line.amount for line in lines), Decimal(0))
    lines.append(LineDraft(account=company.account("2000"), amount=-total))
    journal_entry_post(journal="GEN", posting_date=DAY, source_key="bench:costs", lines=lines)
    services.cost_categories_reconcile()
    CostCategory.objects.filter(code="6100").update(keep_cost_object=False)
    CostCategory.objects.filter(code="5000").update(keep_cost_center=False)
    period = period_for_date(DAY)
    output = CostCategory.objects.create(
        code="OUT", name="Output", kind="service", service_source="manual"
    )
    ServiceEntry.objects.bulk_create(
        ServiceEntry(
            category=output,
            dimension="co",
            cost_object=co,
            period=period,
            posting_date=DAY,
            quantity=Decimal(1 + i % 7),
            source="journal",
            source_key=f"bench:out:{i}",
        )
        for i, co in enumerate(cos)
    )
    alloc = CostCategory.objects.create(code="CC-CP", name="CC to CP", kind="secondary")
    offset = CostCategory.objects.create(code="CC-CPoff", name="CC to CP offset", kind="secondary")
    version = CalculationVersion.objects.create(code="BENCH", name="Bench")
    rules, receivers = [], []
    production = ccs[service_count:]
    intermediate = cos[:1000]
    final = cos[1000:]

    def rule(code, kind, sender, receiver_dimension, **fields):
        dim = "cc" if isinstance(sender, CostCenter) else "co"
        r = CalculationRule(
            version=version,
            code=code,
            kind=kind,
            sender_dimension=dim,
            sender_cost_center=sender if dim == "cc" else None,
            sender_cost_object=sender if dim == "co" else None,
            receiver_dimension=receiver_dimension,
            **fields,
        )
        rules.append(r)
        return r

    plan = []
    for i in range(service_count):
        ring = i // 4 * 4
        peers = [ccs[ring + (i - ring + k) % 4] for k in (1, 2, 3)]
        r = rule(f"S{i}", "distribution", ccs[i], "cc")
        plan.append(
            (
                r,
                [("cc", p, Decimal(10)) for p in peers]
                + [
                    ("cc", production[(i * 5 + k) % len(production)], Decimal(14)) for k in range(5)
                ],
            )
        )
    for i, cc in enumerate(production):
        r = rule(
            f"P{i}",
            "allocation",
            cc,
            "co",
            basis="service",
            basis_category=output,
            allocation_category=alloc,
            offset_category=offset,
        )
        plan.append((r, [("co", final[(i * 11 + k) % len(final)], Decimal(0)) for k in range(11)]))
    for i, co in enumerate(intermediate):
        target = final[(i * 9) % len(final)]
        r = rule(f"I{i}", "distribution", co, "co")
        plan.append(
            (r, [("co", target, Decimal(60)), ("co", final[(i * 9 + 1) % len(final)], Decimal(40))])
        )
        if i % 10 == 0:  # the receiver feeds 10 % back: a loop
            back = rule(f"B{i}", "distribution", target, "co")
            plan.append(
                (
                    back,
                    [("co", co, Decimal(10)), ("co", final[(i * 9 + 2) % len(final)], Decimal(90))],
                )
            )
    CalculationRule.objects.bulk_create(rules)
    for r, targets in plan:
        for n, (dim, value, share) in enumerate(targets):
            receivers.append(
                RuleReceiver(
                    rule=r,
                    line_no=n,
                    share=share,
                    cost_center=value if dim == "cc" else None,
                    cost_object=value if dim == "co" else None,
                )
            )
    RuleReceiver.objects.bulk_create(receivers, batch_size=5000)
    return version, period, len(rules), len(receivers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--centres", type=int, default=1_000)
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args(argv)
    setup_django_on(DB)
    from mfgcost.company import company_setup
    from mfgcost.costacct import services

    company = company_setup()
    with stopwatch() as generating:
        version, period, rule_count, receiver_count = generate(company, args.centres, args.objects)
        with stopwatch() as transferring:
            entries = services.cost_ledger_transfer()
    print(
        f"generated {args.centres:,} cost centres, {args.objects:,} cost objects, "
        f"{rule_count:,} rules "
        f"with {receiver_count:,} receivers in {generating():.1f} s; transfer of {entries:,} cost "
        f"entries {transferring():.2f} s",
        flush=True,
    )
    with stopwatch() as calculating:
        calculation = services.calculation_run(version=version, period=period)
    seconds = calculating()
    tracemalloc.start()
    again = services.calculation_run(version=version, period=period)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from django.db.models import Sum

    balance = again.entries.aggregate(s=Sum("amount"))["s"]
    print(
        f"period calculation: {calculation.entry_count:,} entries in {seconds:.2f} s "
        f"({calculation.message}); peak memory {peak / 2**20:.1f} MB (tracemalloc, rebuild), "
        f"max RSS {rss:.0f} MB; entries sum to {balance}; limit {LIMIT_SECONDS:.0f} s: "
        f"{'ok' if seconds <= LIMIT_SECONDS else 'TOO SLOW'}",
        flush=True,
    )
    if not args.keep:
        drop_database(DB)
    return 0 if seconds <= LIMIT_SECONDS and balance == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())

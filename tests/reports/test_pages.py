"""Each report page shows its selector's figures to the cent, and exports the same rows.

The figures of the bracket are worked out in tests/scenarios/test_bracket.py; what the cost
sheet must show is repeated here by hand.
"""

import datetime as dt
from decimal import Decimal

import pytest

from ledger.selectors import balances_by_dimension, trial_balance, trial_balance_totals
from mfgcost.costing import selectors as costing
from mfgcost.inventory.models import ValueEntry
from mfgcost.inventory.selectors import inventory_valuation, reconciliation
from mfgcost.items.selectors import costing_version_compare
from subcontracting.selectors import material_at_vendors

from .support import (
    comparable,
    csv_rows,
    csv_sections,
    figure,
    page_tables,
    report_url,
    xlsx_sheets,
)

D = Decimal
pytestmark = pytest.mark.django_db


def page(client, slug, **query):
    response = client.get(report_url(slug, **query))
    assert response.status_code == 200, response.content.decode()[:2000]
    return response, page_tables(response.content.decode())


def numbers(row: list[str], start: int) -> list[Decimal | None]:
    return [figure(text) for text in row[start:]]


# --------------------------------------------------------------------------- cost sheet


def test_cost_sheet_shows_the_worked_figures(books, admin_client):
    response, (summary, by_group) = page(admin_client, "cost-sheet", order=books.order.pk)
    assert summary["rows"] == [["PO-1", "BRACKET", "finished", "10", "10", "293.00", "0.00"]]
    # Columns: standard, estimate, actual, variance, price, quantity, lot size, scrap,
    # substitution, actual - standard. After the steel invoice at 5.50:
    # MAT actual 21 kg x 5.50 + 10 l x 3.00 = 145.50 vs standard 10 x 13.00 = 130.00:
    #     price (5.50 - 5.00) x 21 = 10.50, quantity (21 - 20) x 5.00 = 5.00
    # LAB (1.5 + 5.5) h x 20.00 = 140.00 vs 10 x 12.00 = 120.00: quantity 10.00, lot size 10.00
    # COH 25 % x 140.00 = 35.00 vs 30.00: quantity 2.50, lot size 2.50
    # MOH 10 % x 145.50 = 14.55 vs 13.00: price 1.05, quantity 0.50
    assert [row[0] for row in by_group["rows"]] == ["MAT", "LAB", "COH", "MOH"]
    assert [row[1] for row in by_group["rows"]] == [
        "Direct material",
        "Direct manufacturing",
        "Capacity overhead",
        "Manufacturing overhead",
    ]
    assert [numbers(row, 2) for row in by_group["rows"]] == [
        [D("130.00"), D("130.00"), D("145.50"), D("15.50"), D("10.50"), D("5.00"),
         None, None, None, D("15.50")],
        [D("120.00"), D("120.00"), D("140.00"), D("20.00"), None, D("10.00"),
         D("10.00"), None, None, D("20.00")],
        [D("30.00"), D("30.00"), D("35.00"), D("5.00"), None, D("2.50"),
         D("2.50"), None, None, D("5.00")],
        [D("13.00"), D("13.00"), D("14.55"), D("1.55"), D("1.05"), D("0.50"),
         None, None, None, D("1.55")],
    ]  # fmt: skip
    # Totals: 130 + 120 + 30 + 13 = 293.00; 145.50 + 140 + 35 + 14.55 = 335.05; variances
    # 15.50 + 20 + 5 + 1.55 = 42.05 (price 11.55, quantity 18.00, lot size 12.50).
    assert by_group["totals"] == [
        ["Total", "", "293.00", "293.00", "335.05", "42.05", "11.55", "18.00", "12.50",
         "0.00", "0.00", "42.05"]
    ]  # fmt: skip


def test_cost_sheet_page_equals_the_selector(books, admin_client):
    sheet = costing.order_cost_sheet(books.order)
    _, (summary, by_group) = page(admin_client, "cost-sheet", order=books.order.pk)
    assert numbers(summary["rows"][0], 5) == [sheet.output_value, sheet.wip]
    for shown, line in zip(by_group["rows"], sheet.rows, strict=True):
        assert shown[0] == line.cost_group
        assert numbers(shown, 2)[:4] == [line.standard, line.estimate, line.actual, line.variance]
    assert numbers(by_group["totals"][0], 2)[:4] == [
        sheet.total("standard"),
        sheet.total("estimate"),
        sheet.total("actual"),
        sheet.total("variance"),
    ]


def test_cost_sheet_rows_drill_down_to_the_value_entries(books, admin_client):
    _, (_, by_group) = page(admin_client, "cost-sheet", order=books.order.pk)
    mat = books.bracket.company.cost_groups["MAT"]
    # The first link of the MAT row is on its cost group: the order's MAT value entries.
    response = admin_client.get(by_group["links"][0][0])
    assert response.status_code == 200
    listed = set(response.context["cl"].queryset.values_list("pk", flat=True))
    expected = set(
        ValueEntry.objects.filter(order_no="PO-1", cost_group=mat).values_list("pk", flat=True)
    )
    assert listed == expected and listed
    # The price cause of MAT: the variance entries of that cause, 6.30 + 4.20 = 10.50.
    price_link = next(link for link in by_group["links"][0] if "variance_cause=price" in link)
    response = admin_client.get(price_link)
    rows = list(response.context["cl"].queryset)
    assert {(v.entry_type, v.variance_cause, v.cost_group_id) for v in rows} == {
        ("variance", "price", mat.pk)
    }
    assert -sum((v.cost_amount for v in rows), D("0")) == D("10.50")


def test_cost_sheet_chart_is_the_breakdown_by_cost_group(books, admin_client):
    response, _ = page(admin_client, "cost-sheet", order=books.order.pk)
    html = response.content.decode()
    assert 'data-chart="cost-sheet-breakdown"' in html
    assert "<title>Actual – MAT: 145.50</title>" in html
    assert "<title>Standard – LAB: 120.00</title>" in html
    # The legend names every cost group with its type.
    assert [(e.code, e.kind) for e in response.context["legend"]] == [
        ("COH", "Capacity overhead"),
        ("LAB", "Direct manufacturing"),
        ("MAT", "Direct material"),
        ("MOH", "Manufacturing overhead"),
        ("SUB", "Direct outsourcing"),
    ]


# --------------------------------------------------------------------------- other reports


def test_wip_page_equals_the_selector(books, admin_client):
    day = dt.date(2026, 3, 4)  # output posted, order not yet finished
    report = costing.wip_by_order(as_of=day)
    _, (by_order, accounts) = page(admin_client, "wip", date=day.isoformat())
    assert [[r[0], r[3], figure(r[4])] for r in by_order["rows"]] == [
        [r["order"], r["cost_group"], r["amount"]] for r in report["rows"]
    ]
    assert report["rows"], "WIP must hold something on the day of the output"
    assert figure(by_order["totals"][0][4]) == sum((r["amount"] for r in report["rows"]), D(0))
    assert [[r[0], *numbers(r, 2)] for r in accounts["rows"]] == [
        [a["account"], a["ledger_value"], a["gl_balance"], a["difference"]]
        for a in report["accounts"]
    ]


def test_inventory_valuation_page_equals_the_selector(books, admin_client):
    rows = inventory_valuation()
    _, (table,) = page(admin_client, "inventory-valuation")
    assert [[r[0], r[1], *numbers(r, 2)] for r in table["rows"]] == [
        [
            r["item"],
            r["location"],
            r["quantity"],
            r["cost_amount_expected"],
            r["cost_amount_actual"],
            r["value"],
            r["unit_cost"],
        ]
        for r in rows
    ]
    # Steel: 30 kg received, 21 consumed, 4 sent to V1: 5 kg x 5.50 = 27.50 at MAIN and
    # 4 kg x 5.50 = 22.00 at L-V1; brackets 10 x 29.30 = 293.00.
    by_key = {(r[0], r[1]): (r[2], r[5]) for r in table["rows"]}
    assert by_key[("STEEL", "MAIN")] == ("5", "27.50")
    assert by_key[("STEEL", "L-V1")] == ("4", "22.00")
    assert by_key[("BRACKET", "MAIN")] == ("10", "293.00")
    assert figure(table["totals"][0][5]) == sum((r["value"] for r in rows), D(0))


def test_inventory_valuation_filters_and_drills_to_item_ledger_entries(books, admin_client):
    steel = books.bracket.steel
    _, (table,) = page(admin_client, "inventory-valuation", item=steel.pk, date="2026-03-03")
    # On March 3: 30 kg received at 5.20 = 156.00, 21 kg consumed; Adjust Cost revalued the
    # consumption to the invoiced 5.50 on its own date: 156.00 - 21 x 5.50 = 40.50 (the invoice's
    # 30 x 0.30 = 9.00 more on the receipt is dated the 10th).
    assert [r[:3] + [r[5]] for r in table["rows"]] == [["STEEL", "MAIN", "9", "40.50"]]
    response = admin_client.get(table["links"][0][0])
    listed = list(response.context["cl"].queryset)
    assert {e.item_id for e in listed} == {steel.pk}
    assert sum((e.quantity for e in listed), D(0)) == D("9")


def test_value_equation_page_equals_the_selector(books, admin_client):
    report = costing.inventory_value_equation(
        date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31)
    )
    _, (rows, accounts) = page(
        admin_client, "value-equation", date_from="2026-03-01", date_to="2026-03-31"
    )
    assert [[r[0], r[1], *numbers(r, 2)] for r in rows["rows"]] == [
        [r["account"], r["item"], r["beginning"], r["increases"], r["decreases"], r["ending"]]
        for r in report["rows"]
    ]
    assert [[r[0], *numbers(r, 2)] for r in accounts["rows"]] == [
        [a["account"], a["gl_beginning"], a["gl_ending"], a["ledger_ending"], a["difference"]]
        for a in report["accounts"]
    ]


def test_reconciliation_page_equals_the_selector(books, admin_client):
    rows = reconciliation()
    _, (table,) = page(admin_client, "reconciliation")
    assert [[r[0], *numbers(r, 2)] for r in table["rows"]] == [
        [r["account"], r["ledger_value"], r["gl_balance"], r["difference"]] for r in rows
    ]
    # 1300 27.50 + 1310 293.00 + 1320 22.00 + 1330 0.00 = 342.50, nothing unreconciled.
    assert table["totals"] == [["Total", "", "342.50", "342.50", "0.00"]]


def test_trial_balance_page_equals_the_selector_and_drills_to_journal_lines(books, admin_client):
    rows = trial_balance()
    _, (table,) = page(admin_client, "trial-balance")
    assert [[r[0], *numbers(r, 3)] for r in table["rows"]] == [
        [r.number, r.debit, r.credit, r.balance] for r in rows
    ]
    totals = trial_balance_totals(rows)
    assert numbers(table["totals"][0], 3) == [totals.debit, totals.credit, D("0.00")]
    # Material variance 5310: 9.20 + 6.30 = 15.50, the sum of its journal lines.
    index = [r[0] for r in table["rows"]].index("5310")
    response = admin_client.get(table["links"][index][0])
    lines = list(response.context["cl"].queryset)
    assert {line.account.number for line in lines} == {"5310"}
    assert sum((line.debit - line.credit for line in lines), D(0)) == D("15.50")


def test_trial_balance_of_a_period_and_up_to_a_date(books, admin_client):
    from ledger.models import Period

    march = Period.objects.get(start_date=dt.date(2026, 3, 1))
    expected = trial_balance(date_from=march.start_date, date_to=dt.date(2026, 3, 5))
    _, (table,) = page(admin_client, "trial-balance", period=march.pk, date="2026-03-05")
    assert [[r[0], *numbers(r, 3)] for r in table["rows"]] == [
        [r.number, r.debit, r.credit, r.balance] for r in expected
    ]


def test_balances_by_dimension_page_equals_the_selector(books, admin_client):
    rows = balances_by_dimension(dimension="cost_center")
    _, (table,) = page(admin_client, "balances-by-dimension")
    assert [[r[0], r[1], *numbers(r, 2)] for r in table["rows"]] == [
        [r["account"], r["cost_center"] or "", r["debit"], r["credit"], r["balance"]] for r in rows
    ]
    assert figure(table["totals"][0][4]) == D("0.00")


def test_variance_analysis_page_equals_the_selector(books, admin_client):
    rows = costing.variance_analysis()
    _, (table,) = page(admin_client, "variance-analysis")
    assert [[r[1], r[3], r[5], figure(r[6])] for r in table["rows"]] == [
        [r["order"], r["cost_group"], r["cause"].replace("_", " "), r["amount"]] for r in rows
    ]
    # 15.50 + 20.00 + 5.00 + 1.55 = 42.05, as on the cost sheet.
    assert table["totals"][0][-1] == "42.05"


def test_variance_analysis_filters_and_trend(books, admin_client):
    mat = books.bracket.company.cost_groups["MAT"]
    response, (table,) = page(
        admin_client,
        "variance-analysis",
        cost_group=mat.pk,
        cause="price",
        item=books.bracket.item.pk,
        order=books.order.pk,
        date_after="2026-03-01",
        date_before="2026-03-31",
    )
    assert [[r[0], r[1], r[3], r[5], r[6]] for r in table["rows"]] == [
        ["2026-03", "PO-1", "MAT", "price", "10.50"]
    ]
    html = response.content.decode()
    assert 'data-chart="variance-trend"' in html
    assert "<title>2026-03 – price: 10.50</title>" in html
    assert costing.variance_trend(cost_group_id=mat.pk) == {
        "2026-03": {"price": D("10.50"), "quantity": D("5.00")}
    }
    # Nothing posted in April.
    _, (empty,) = page(admin_client, "variance-analysis", date_after="2026-04-01")
    assert empty["rows"] == [["Nothing to show."]]


def test_material_at_vendors_page_equals_the_selector(books, admin_client):
    rows = material_at_vendors()
    _, (table,) = page(admin_client, "material-at-vendors")
    assert [[r[0], r[2], *numbers(r, 3)] for r in table["rows"]] == [
        [r.vendor_code, r.item_number, r.sent, r.returned, r.consumed, r.other, r.on_hand,
         r.value]
        for r in rows
    ]  # fmt: skip
    assert table["rows"] == [["V1", "L-V1", "STEEL", "4", "0", "0", "0", "4", "22.00"]]


def test_standard_cost_page_shows_the_roll_up_explained(books, admin_client):
    response, (by_group, explained) = page(
        admin_client, "standard-cost", item=books.bracket.item.pk
    )
    # MAT 2 kg x 5.00 + 1 l x 3.00 = 13.00; LAB (1 h / 10 + 0.5 h) x 20.00 = 12.00;
    # COH 25 % of 12.00 = 3.00; MOH 10 % of 13.00 = 1.30; 29.30 in all.
    assert [[r[0], *numbers(r, 3)] for r in by_group["rows"]] == [
        ["COH", D("3"), D("0"), D("3")],
        ["LAB", D("12"), D("0"), D("12")],
        ["MAT", D("13"), D("0"), D("13")],
        ["MOH", D("1.3"), D("0"), D("1.3")],
    ]
    assert by_group["totals"][0][3:] == ["29.300000", "0.000000", "29.300000"]
    assert [[r[1], r[2], r[4], r[5]] for r in explained["rows"]] == [
        ["BOM line 10: STEEL", "2", "5.000000", "10.000000"],
        ["BOM line 20: PAINT", "1", "3.000000", "3.000000"],
        ["operation 10 at WELD (direct)", "0.6", "20.000000", "12.000000"],
        ["operation 10 at WELD (overhead)", "0.6", "5.000000", "3.000000"],
        [
            "not explained above: costing-sheet surcharges, vendor prices, rates changed since, "
            "rounding",
            "",
            "",
            "1.300000",
        ],
    ]
    assert explained["totals"][0][-1] == "29.300000"
    assert 'data-chart="standard-cost-breakdown"' in response.content.decode()


def test_costing_version_comparison_page_equals_the_selector(books, admin_client):
    base = books.bracket.standard.version
    rows = costing_version_compare(base=base, other=books.plan)
    _, (table,) = page(
        admin_client, "costing-version-comparison", version_a=base.pk, version_b=books.plan.pk
    )
    assert [[r[0], *numbers(r, 2)[:4]] for r in table["rows"]] == [
        [r.item, r.base_unit_cost, r.other_unit_cost, r.difference, r.difference_percent]
        for r in rows
    ]
    # PLAN27 has steel at 5.50: MAT 2 x 5.50 + 3.00 = 14.00, MOH 1.40, unit cost 30.40;
    # difference 1.10 = 3.75 % of 29.30.
    assert table["rows"][0][:6] == ["BRACKET", "Bracket", "29.300000", "30.400000", "1.100000",
                                    "3.75"]  # fmt: skip


def test_adjust_cost_runs_page_and_chart(books, admin_client):
    runs = costing.adjust_cost_runs()
    response, (table,) = page(admin_client, "adjust-cost-runs")
    assert [[r[0], r[3], *numbers(r, 5)] for r in table["rows"]] == [
        [str(run.pk), run.status, run.items_adjusted, run.orders_adjusted,
         run.value_entries_posted, run.marks_collected, len(run.errors)]
        for run in runs
    ]  # fmt: skip
    assert len(runs) == 2
    html = response.content.decode()
    assert 'data-chart="adjust-cost-runs"' in html and "<polyline" in html


# --------------------------------------------------------------------------- exports

QUERIES = {
    "cost-sheet": lambda b: {"order": b.order.pk},
    "wip": lambda b: {"date": "2026-03-04"},
    "inventory-valuation": lambda b: {},
    "value-equation": lambda b: {"date_from": "2026-03-01", "date_to": "2026-03-31"},
    "reconciliation": lambda b: {},
    "trial-balance": lambda b: {},
    "balances-by-dimension": lambda b: {},
    "variance-analysis": lambda b: {},
    "material-at-vendors": lambda b: {},
    "standard-cost": lambda b: {"item": b.bracket.item.pk},
    "costing-version-comparison": lambda b: {
        "version_a": b.bracket.standard.version_id,
        "version_b": b.plan.pk,
    },
    "adjust-cost-runs": lambda b: {},
}


@pytest.mark.parametrize("slug", sorted(QUERIES))
def test_exports_carry_the_rows_and_totals_of_the_page(books, admin_client, slug):
    query = QUERIES[slug](books)
    _, tables = page(admin_client, slug, **query)
    assert tables and any(t["rows"] != [["Nothing to show."]] for t in tables)

    response = admin_client.get(report_url(slug, format="xlsx", **query))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{slug}.xlsx"'
    sheets = xlsx_sheets(response.content)
    response = admin_client.get(report_url(slug, format="csv", **query))
    assert response.status_code == 200
    sections = csv_sections(csv_rows(response.content))
    assert len(sheets) == len(sections) == len(tables)
    for table, sheet, section in zip(tables, sheets, sections, strict=True):
        shown = [table["head"], *table["rows"], *table["totals"]]
        if table["rows"] == [["Nothing to show."]]:
            shown = [table["head"], *table["totals"]]
        assert comparable(sheet) == comparable(shown)
        if len(section) == len(shown) + 1:  # a table with a title has it on its first line
            section = section[1:]
        assert comparable(section) == comparable(shown)


def test_xlsx_cells_are_numbers_at_their_precision(books, admin_client):
    import io

    from openpyxl import load_workbook

    response = admin_client.get(report_url("cost-sheet", format="xlsx", order=books.order.pk))
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[1]
    assert [c.value for c in sheet[1]][:6] == [
        "Cost group", "Type", "Standard", "Estimate", "Actual", "Variance"
    ]  # fmt: skip
    actual = sheet.cell(2, 5)
    assert actual.value == 145.5 and actual.number_format == "#,##0.00"
    quantity = book.worksheets[0].cell(2, 4)
    assert quantity.value == 10 and quantity.number_format == "#,##0.######"


def test_cost_sheet_of_a_released_order_shows_its_estimate(books, admin_client, post):
    order = post.release(books.bracket.item, "5", "PO-2", day=12)
    _, (summary, by_group) = page(admin_client, "cost-sheet", order=order.pk)
    assert summary["rows"] == [["PO-2", "BRACKET", "released", "5", "0", "0.00", "0.00"]]
    # Estimate for 5 brackets at the standard: MAT 5 x 13.00 = 65.00, LAB 5 x 12.00 = 60.00,
    # COH 5 x 3.00 = 15.00, MOH 5 x 1.30 = 6.50: 146.50; nothing actual yet.
    assert {r[0]: (r[3], r[4]) for r in by_group["rows"]} == {
        "MAT": ("65.00", "0.00"),
        "LAB": ("60.00", "0.00"),
        "COH": ("15.00", "0.00"),
        "MOH": ("6.50", "0.00"),
    }
    assert by_group["totals"][0][3] == "146.50"

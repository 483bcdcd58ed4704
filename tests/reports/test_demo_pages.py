"""Every report page on the demo month (two orders, one subcontracted, late invoices), its
exports, and the figures the demo's own test works out by hand (tests/test_demo.py)."""

from decimal import Decimal

import pytest

from ledger.models import Period
from mfgcost.core.reports import registered
from mfgcost.items.models import CostingVersion, Item
from mfgcost.production.models import ProductionOrder
from tests.test_demo import demo  # noqa: F401 - the demo month, loaded

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


def queries() -> dict[str, dict]:
    shelf = Item.objects.get(number="DEMO-SHELF")
    versions = list(CostingVersion.objects.order_by("id"))
    return {
        "cost-sheet": {"order": ProductionOrder.objects.get(number="PO-1002").pk},
        "standard-cost": {"item": shelf.pk},
        "costing-version-comparison": {
            "version_a": versions[0].pk,
            "version_b": versions[-1].pk,
        },
        "trial-balance": {"period": Period.objects.get(start_date="2026-10-01").pk},
        "value-equation": {"date_from": "2026-10-01", "date_to": "2026-10-31"},
    }


def test_every_report_renders_and_exports_the_demo(demo, admin_client):  # noqa: F811
    for report in registered():
        query = queries().get(report.slug, {})
        response = admin_client.get(report_url(report.slug, **query))
        assert response.status_code == 200, report.slug
        tables = page_tables(response.content.decode())
        sheets = xlsx_sheets(
            admin_client.get(report_url(report.slug, format="xlsx", **query)).content
        )
        sections = csv_sections(
            csv_rows(admin_client.get(report_url(report.slug, format="csv", **query)).content)
        )
        for table, sheet, section in zip(tables, sheets, sections, strict=True):
            shown = [table["head"], *table["rows"], *table["totals"]]
            if table["rows"] == [["Nothing to show."]]:
                shown = [table["head"], *table["totals"]]
            assert comparable(sheet) == comparable(shown), report.slug
            assert comparable(section[-len(shown) :]) == comparable(shown), report.slug


def test_demo_figures_on_the_pages(demo, admin_client):  # noqa: F811
    for number, variance in (("PO-1001", "126.84"), ("PO-1002", "133.01")):
        order = ProductionOrder.objects.get(number=number)
        _, by_group = page_tables(
            admin_client.get(report_url("cost-sheet", order=order.pk)).content.decode()
        )
        assert by_group["totals"][0][5] == variance
    # PO-1002: output 19 x 99.57 = 1891.83, actual 2024.84.
    order = ProductionOrder.objects.get(number="PO-1002")
    summary, by_group = page_tables(
        admin_client.get(report_url("cost-sheet", order=order.pk)).content.decode()
    )
    assert summary["rows"][0][3:6] == ["20", "19", "1,891.83"]
    assert by_group["totals"][0][4] == "2,024.84"
    # The trial balance sums to zero; 0.8 l paint (2.56) is still at COATCO.
    (trial,) = page_tables(admin_client.get(report_url("trial-balance")).content.decode())
    assert figure(trial["totals"][0][5]) == D("0.00")
    (material,) = page_tables(admin_client.get(report_url("material-at-vendors")).content.decode())
    paint = [row for row in material["rows"] if row[0] == "COATCO"]
    assert [(row[7], row[8]) for row in paint] == [("0.8", "2.56")]
    # The shelf: 2 brackets x 35.26 + 3 kg x 5.00 + 0.25 l x 3.20 = 86.32 material, service
    # 2.00 a piece; 99.57 in all, the explanation adds up to it.
    shelf = Item.objects.get(number="DEMO-SHELF")
    by_group, explained = page_tables(
        admin_client.get(report_url("standard-cost", item=shelf.pk)).content.decode()
    )
    assert by_group["totals"][0][5] == "99.570000"
    assert explained["totals"][0][-1] == "99.570000"
    service = [row for row in explained["rows"] if row[0] == "service"]
    assert [row[-1] for row in service] == ["2.000000"]

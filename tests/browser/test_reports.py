"""The report pages in a real browser: read a cost-sheet figure, export it, see a chart."""

from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.reports.conftest import books  # noqa: F401 - the worked bracket case
from tests.scenarios.conftest import bracket, post  # noqa: F401 - what it is built from

D = Decimal


def cost_sheet_url(live_server, order) -> str:
    path = reverse("admin:report", kwargs={"slug": "cost-sheet"})
    return f"{live_server.url}{path}?order={order.pk}"


def test_cost_sheet_figure_export_and_chart(admin_page, live_server, books, tmp_path):  # noqa: F811
    page = admin_page
    page.goto(cost_sheet_url(live_server, books.order))
    # By cost group, the MAT row: actual 21 kg x 5.50 + 10 l x 3.00 = 145.50.
    mat = page.locator("#report-table-2 tbody tr").filter(has_text="MAT")
    assert mat.locator("td").nth(4).inner_text() == "145.50"
    assert page.locator("#report-table-2 tfoot td").nth(4).inner_text() == "335.05"

    with page.expect_download() as download:
        page.click("a.export-xlsx")
    assert download.value.suggested_filename == "cost-sheet.xlsx"
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    book = load_workbook(path)
    rows = list(book.worksheets[1].iter_rows(values_only=True))
    assert rows[1][0] == "MAT" and D(str(rows[1][4])) == D("145.50")
    assert rows[-1][0] == "Total" and D(str(rows[-1][4])) == D("335.05")

    chart = page.locator('figure[data-chart="cost-sheet-breakdown"] svg')
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 100 and box["height"] > 100
    assert chart.locator("rect title").first.text_content().startswith("Standard – ")


def test_variance_chart_and_the_reports_index(admin_page, live_server, books):  # noqa: F811
    page = admin_page
    page.click("#reports-module a.section")
    page.click("text=Variance analysis")
    assert page.locator('figure[data-chart="variance-trend"] svg').is_visible()
    total = page.locator("#report-table-1 tfoot tr").first  # then "of which" per cause
    assert total.locator("td").last.inner_text() == "42.05"
    # Drill down from the first variance figure to its value entries.
    page.locator("#report-table-1 tbody tr").first.locator("td").last.locator("a").click()
    page.wait_for_url("**/admin/inventory/valueentry/?*")
    expect(page.locator("#result_list tbody tr")).not_to_have_count(0)
    assert "variance_cause=lot_size" in page.url

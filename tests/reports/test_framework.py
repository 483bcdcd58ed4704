"""The report framework: figures at their precision, the registry, the admin pages' rules and
the SVG charts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from mfgcost.core import charts, reports
from mfgcost.core.reports import AMOUNT, PERCENT, QUANTITY, TEXT, UNIT_COST

from .support import report_url

D = Decimal
ALL = {
    "adjust-cost-runs", "balances-by-dimension", "cost-sheet", "costing-version-comparison",
    "inventory-valuation", "material-at-vendors", "reconciliation", "standard-cost",
    "trial-balance", "value-equation", "variance-analysis", "wip",
}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (D("1234567.5"), AMOUNT, "1,234,567.50"),
        (D("-20.8"), AMOUNT, "-20.80"),
        (D("50.000000"), QUANTITY, "50"),
        (D("1234.500000"), QUANTITY, "1,234.5"),
        (D("0.000000"), QUANTITY, "0"),
        (D("29.3"), UNIT_COST, "29.300000"),
        (D("3.754"), PERCENT, "3.75"),
        ("PO-1", TEXT, "PO-1"),
        (None, AMOUNT, ""),
    ],
)
def test_figures_are_shown_at_their_precision(value, kind, shown):
    assert reports.format_figure(value, kind) == shown


def test_exported_figures_keep_their_precision():
    assert str(reports.export_value(D("50.000000"), QUANTITY)) == "50"
    assert str(reports.export_value(D("0.500000"), QUANTITY)) == "0.5"
    assert str(reports.export_value(D("139.2"), AMOUNT)) == "139.20"
    assert str(reports.export_value(D("5"), UNIT_COST)) == "5.000000"


def test_every_report_is_registered_once_with_its_slug():
    assert {r.slug for r in reports.registered()} == ALL

    class Twin(reports.Report):
        slug = "cost-sheet"
        title = "Another cost sheet"

    with pytest.raises(ValueError, match="cost-sheet"):
        reports.register(Twin)
    assert reports.report_for("cost-sheet").title == "Production order cost sheet"


def test_the_url_other_pages_link_to():
    assert reverse("admin:report", kwargs={"slug": "cost-sheet"}) == "/admin/reports/cost-sheet/"
    assert reverse("admin:reports") == "/admin/reports/"


@pytest.mark.django_db
def test_index_lists_the_reports_and_the_admin_index_links_to_it(admin_client):
    response = admin_client.get(reverse("admin:reports"))
    assert response.status_code == 200
    assert {r.slug for r in response.context["reports"]} == ALL
    assert reverse("admin:report", kwargs={"slug": "trial-balance"}) in response.content.decode()
    home = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="reports-module"' in home and 'href="/admin/reports/"' in home


@pytest.mark.django_db
def test_a_report_without_its_filters_asks_for_them(admin_client):
    response = admin_client.get(report_url("cost-sheet"))
    assert response.status_code == 200
    assert response.context["tables"] == []
    assert "Choose order to see the report." in response.content.decode()
    response = admin_client.get(report_url("cost-sheet", format="xlsx"))
    assert response.status_code == 400
    assert response.content.decode() == "order: choose a value to export the report."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("slug", "query", "field"),
    [
        ("cost-sheet", {"order": "999999"}, "order"),
        ("wip", {"date": "yesterday"}, "date"),
        ("value-equation", {"date_from": "2026-04-01", "date_to": "2026-03-01"}, "date_from"),
        ("variance-analysis", {"cause": "weather"}, "cause"),
        ("adjust-cost-runs", {"limit": "0"}, "limit"),
    ],
)
def test_bad_filters_are_a_400_naming_the_field(admin_client, slug, query, field):
    response = admin_client.get(report_url(slug, **query))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    response = admin_client.get(report_url(slug, format="csv", **query))
    assert response.status_code == 400
    assert response.content.decode().startswith(f"{field}:")


@pytest.mark.django_db
def test_unknown_format_and_unknown_report(admin_client):
    response = admin_client.get(report_url("trial-balance", format="pdf"))
    assert response.status_code == 400
    assert response.content.decode() == "format: choose csv or xlsx."
    assert admin_client.get("/admin/reports/no-such-report/").status_code == 404


@pytest.mark.django_db
def test_reports_need_a_staff_login_and_their_permission(client, django_user_model):
    url = report_url("trial-balance")
    assert client.get(url).status_code == 302  # to the admin login
    clerk = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(clerk)
    assert client.get(url).status_code == 403
    assert client.get(reverse("admin:reports")).context["reports"] == []
    from django.contrib.auth.models import Permission

    clerk.user_permissions.add(Permission.objects.get(codename="view_journalline"))
    assert client.get(url).status_code == 200
    listed = client.get(reverse("admin:reports")).context["reports"]
    assert {r.slug for r in listed} == {"trial-balance", "balances-by-dimension"}


# --------------------------------------------------------------------------- charts


def test_stacked_bars_stack_positives_up_and_negatives_down():
    svg = charts.stacked_bars(
        title="Variance",
        slug="v",
        categories=["2026-03", "2026-04"],
        series=[
            charts.Series("price", [D("10.50"), D("-4.00")], "#111111"),
            charts.Series("quantity", [D("5.00"), D("2.00")], "#222222"),
        ],
    )
    # Scale: 15.50 above zero, 4.00 below; each bar and figure has its title.
    for title in ("2026-03 – price: 10.50", "2026-04 – price: -4.00", "2026-04 – quantity: 2.00"):
        assert f"<title>{title}</title>" in svg
    assert svg.count("<rect") == 4 + 2  # four bars, two legend swatches
    assert 'role="img" aria-label="Variance"' in svg
    assert "<details class='chart-data'>" in svg and "<td class='number'>-4.00</td>" in svg


def test_lines_have_a_point_per_figure_and_escape_names():
    svg = charts.lines(
        title="Runs <all>",
        slug="runs",
        categories=["1", "2", "3"],
        series=[charts.Series("entries & more", [D(3), D(0), D(12)], "#333333")],
    )
    assert svg.count("<circle") == 3
    assert "<title>3 – entries &amp; more: 12</title>" in svg
    assert "Runs &lt;all&gt;" in svg and "<all>" not in svg


def test_no_figures_no_chart():
    assert charts.stacked_bars(title="t", slug="s", categories=[], series=[]) == ""


def test_exported_text_never_becomes_a_formula():
    from mfgcost.core.reports import Column, Report, Table

    class Names(Report):
        slug = "names"
        title = "Names"

        def tables(self):
            return [
                Table(
                    columns=[Column("name", "Name"), Column("amount", "Amount", AMOUNT)],
                    rows=[{"name": "=HYPERLINK(1)", "amount": D("-5")}, {"name": "Steel"}],
                )
            ]

    report = Names()
    assert report.to_csv().splitlines() == ["Name,Amount", "'=HYPERLINK(1),-5.00", "Steel,"]
    from .support import xlsx_sheets

    (sheet,) = xlsx_sheets(report.to_xlsx())
    assert sheet == [["Name", "Amount"], ["=HYPERLINK(1)", -5], ["Steel", None]]
    import io

    from openpyxl import load_workbook

    cell = load_workbook(io.BytesIO(report.to_xlsx())).active["A2"]
    assert (cell.value, cell.data_type) == ("=HYPERLINK(1)", "s")

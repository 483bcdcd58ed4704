"""The cost-accounting API and the Celery task, on the reciprocal case."""

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from mfgcost.costacct.models import Calculation, CalculationEntry, LineStructure, StatementLine
from mfgcost.costacct.tasks import period_calculation_task

from .test_reciprocal import DAY, plant  # noqa: F401 - the fixture

D = Decimal
pytestmark = pytest.mark.django_db


def rule_payload(code, sender, shares):
    return {
        "version": "ACT",
        "code": code,
        "kind": "distribution",
        "sender_dimension": "cc",
        "sender_cost_center": sender,
        "receiver_dimension": "cc",
        "receivers": [{"cost_center": cc, "share": share} for cc, share in shares],
    }


@pytest.fixture
def rules(api, plant):  # noqa: F811
    assert api.post("/api/costacct/versions/", {"code": "ACT", "name": "Actual"}).status_code == 201
    for payload in (
        rule_payload("IT", "IT", [("HR", "20"), ("MILL", "50"), ("ASSY", "30")]),
        rule_payload("HR", "HR", [("IT", "10"), ("MILL", "40"), ("ASSY", "50")]),
    ):
        response = api.post("/api/costacct/rules/", payload, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["problems"] == []
    return plant


def test_calculate_statement_xlsx_and_rates(api, rules):
    centres, hours, _ = rules
    response = api.post(
        "/api/costacct/calculate/", {"version": "ACT", "period": "2026-03"}, format="json"
    )
    assert response.status_code == 200, response.json()
    calculation = response.json()["id"]
    structure = LineStructure.objects.create(code="CC", name="Centre")
    line = StatementLine.objects.create(
        structure=structure, code="TC", name="Total cost", line_type="categories"
    )
    line.categories.set([hours.__class__.objects.get(code="6100")])
    StatementLine.objects.create(
        structure=structure, code="H", name="Hours", line_type="quantity", sequence=20
    ).categories.set([hours])
    StatementLine.objects.create(
        structure=structure,
        code="RATE",
        name="Per hour",
        sequence=30,
        line_type="calculated",
        formula="TC / H",
    )
    query = {"structure": "CC", "version": "ACT", "period": "2026-03", "cost_center": "MILL"}
    rows = {r["code"]: r["value"] for r in api.get("/api/costacct/statement/", query).json()}
    # 28,673.47 after IT and HR; 1,200 h; 28,673.47 / 1,200 = 23.894558 -> 23.89
    assert (D(rows["TC"]), D(rows["H"]), D(rows["RATE"])) == (D("28673.47"), D("1200"), D("23.89"))
    xlsx = api.get("/api/costacct/statement/", {**query, "export": "xlsx"})
    assert xlsx.status_code == 200
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[3]] == ["TC", "Total cost", 28673.47]
    bad = api.get("/api/costacct/statement/", {**query, "cost_center": "NOPE"})
    assert bad.status_code == 400 and "cost_center" in bad.json()
    rates = api.get("/api/costacct/rates/", {"calculation": calculation, "hours_category": "HOURS"})
    assert {r["cost_center"]: r["actual_rate"] for r in rates.json()} == {
        "ASSY": "24.81",
        "MILL": "23.89",
    }
    proposed = api.post(
        "/api/costacct/rates/propose/",
        {"calculation": calculation, "hours_category": "HOURS", "version_code": "RATES-04"},
        format="json",
    )
    assert proposed.status_code == 201
    assert proposed.json()["rates"] == {"ASSY": "24.810000", "MILL": "23.890000"}
    again = api.post(
        "/api/costacct/rates/propose/",
        {"calculation": calculation, "hours_category": "HOURS", "version_code": "RATES-04"},
        format="json",
    )
    assert again.status_code == 409 and "version_code" in again.json()


def test_service_journal_and_ledgers(api, rules):
    payload = {
        "category": "HOURS",
        "cost_center": "MILL",
        "quantity": "8",
        "posting_date": "2026-03-31",
        "source_key": "extra-mill",
    }
    response = api.post("/api/costacct/service-journal/", payload, format="json")
    assert response.status_code == 201 and response.json()["quantity"] == "8.000000"
    assert (
        api.post("/api/costacct/service-journal/", payload, format="json").json()["id"]
        == response.json()["id"]
    )
    entries = api.get("/api/costacct/service-entries/", {"category__code": "HOURS"}).json()
    # 1,200 + 900 from the fixture, 8 from this journal (once)
    assert sorted(D(e["quantity"]) for e in entries["results"]) == [D("8"), D("900"), D("1200")]
    costs = api.get("/api/costacct/cost-entries/", {"dimension": "cc"}).json()
    assert sum(D(e["amount"]) for e in costs["results"]) == D("51000.00")
    bad = api.post(
        "/api/costacct/service-journal/",
        {**payload, "quantity": "x", "source_key": "k2"},
        format="json",
    )
    assert bad.status_code == 400 and "quantity" in bad.json()


def test_bad_input_names_the_field(api, rules):
    response = api.post(
        "/api/costacct/calculate/", {"version": "NOPE", "period": "2026-03"}, format="json"
    )
    assert response.status_code == 400 and "version" in response.json()
    loop = rule_payload("X", "MILL", [("ASSY", "1")])
    loop["receivers"] = [{"share": "1"}]
    response = api.post("/api/costacct/rules/", loop, format="json")
    assert response.status_code == 400 and "receivers" in response.json()


def test_the_task_is_idempotent_per_version_and_period(rules, tasks_in_process):
    from ledger.services import period_for_date
    from mfgcost.costacct.models import CalculationVersion

    version = CalculationVersion.objects.get(code="ACT")
    period = period_for_date(DAY)
    first = period_calculation_task.delay(version.pk, period.pk).get()
    entries = sorted(CalculationEntry.objects.values_list("rule__code", "cost_center", "amount"))
    second = period_calculation_task.delay(version.pk, period.pk).get()
    assert second["calculation"] == first["calculation"]
    assert second["cost_entries_transferred"] == 0
    assert (
        sorted(CalculationEntry.objects.values_list("rule__code", "cost_center", "amount"))
        == entries
    )
    assert Calculation.objects.count() == 1


def test_admin_statement_page_and_rule_light(client, rules):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("controller", "c@example.com", "pw")
    client.force_login(user)
    from ledger.services import period_for_date
    from mfgcost.costacct import services
    from mfgcost.costacct.models import CalculationVersion

    services.calculation_run(
        version=CalculationVersion.objects.get(code="ACT"), period=period_for_date(DAY)
    )
    structure = LineStructure.objects.create(code="CC", name="Centre")
    StatementLine.objects.create(
        structure=structure, code="TC", name="Total cost", line_type="categories"
    ).categories.set([rules[1].__class__.objects.get(code="6100")])
    page = client.get(
        f"/admin/costacct/linestructure/{structure.pk}/statement/",
        {"version": "ACT", "period": "2026-03", "cost_center": "ASSY"},
    )
    assert page.status_code == 200
    assert "22326.53" in page.content.decode()
    bad = client.get(
        f"/admin/costacct/linestructure/{structure.pk}/statement/",
        {"version": "ACT", "period": "2026-03", "cost_center": "NOPE"},
    )
    assert "Cost centre NOPE does not exist." in bad.content.decode()
    rules_page = client.get("/admin/costacct/calculationrule/")
    assert rules_page.status_code == 200 and "🟢" in rules_page.content.decode()
    for url in (
        "costcategory",
        "costentry",
        "serviceentry",
        "calculation",
        "calculationentry",
        "calculationversion",
        "linestructure",
    ):
        assert client.get(f"/admin/costacct/{url}/").status_code == 200

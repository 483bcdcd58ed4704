"""The costing API: run Adjust Cost, and read the cost sheet, WIP, the value equation and the
variance drill-down."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from ledger.models import JournalLine, Period
from ledger.services import period_close
from mfgcost.costing.models import CostAdjustmentRun
from mfgcost.inventory.models import ValueEntry

D = Decimal


def test_adjust_then_cost_sheet(api, finished_bracket):
    response = api.post("/api/costing/adjust/", {}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["orders_adjusted"] == 1
    assert response.data["status"] == "done"

    sheet = api.get(f"/api/costing/orders/{finished_bracket.number}/cost-sheet/").data
    assert sheet["output_value"] == "293.00"
    assert sheet["wip"] == "0.00"
    assert sheet["totals"] == {
        "standard": "293.00",
        "estimate": "293.00",
        "actual": "328.12",
        "difference": "35.12",
        "variance": "35.12",
    }
    material = next(row for row in sheet["rows"] if row["cost_group"] == "MAT")
    assert material["causes"] == {"price": "4.20", "quantity": "5.00"}
    assert api.get("/api/costing/pending/").data == {
        "items": 0,
        "orders": 0,
        "value_entries_not_collected": 0,
    }
    assert api.get("/api/costing/runs/").data["results"][0]["value_entries_posted"] > 0


def test_bad_input_names_the_field_and_writes_nothing(api, finished_bracket):
    response = api.post("/api/costing/adjust/", {"items": ["NO-SUCH-ITEM"]}, format="json")
    assert response.status_code == 400
    assert "items" in response.data
    period_close(period=Period.objects.get(name="2026-01"))
    response = api.post("/api/costing/adjust/", {"posting_date": "2026-01-15"}, format="json")
    assert response.status_code == 400
    assert "posting_date" in response.data
    response = api.get(
        "/api/costing/inventory-value/", {"date_from": "2026-03-31", "date_to": "2026-03-01"}
    )
    assert response.status_code == 400
    assert "date_to" in response.data
    assert CostAdjustmentRun.objects.count() == 0
    assert not ValueEntry.objects.filter(adjustment=True).exists()
    assert api.get("/api/costing/orders/NOPE/cost-sheet/").status_code == 404


def test_reports_need_permissions(db, finished_bracket):
    user = get_user_model().objects.create_user("clerk", password="pw")
    client = APIClient()
    client.force_authenticate(user)
    assert client.post("/api/costing/adjust/", {}, format="json").status_code == 403
    assert client.get("/api/costing/wip/").status_code == 403
    assert CostAdjustmentRun.objects.count() == 0


def test_queue_hands_the_run_to_the_task(api, finished_bracket, tasks_in_process):
    response = api.post(
        "/api/costing/adjust/", {"orders": [finished_bracket.number], "queue": True}, format="json"
    )
    assert response.status_code == 202
    assert response.data["task_id"]
    # With tasks in process the queued run is done when the request returns.
    assert CostAdjustmentRun.objects.get().orders_adjusted == 1


def test_wip_value_equation_and_drill_down(api, finished_bracket, company):
    wip = api.get("/api/costing/wip/", {"as_of": "2026-03-04"}).data
    assert {(r["cost_group"], r["amount"]) for r in wip["rows"]} == {
        # inputs less output at standard split by the standard (130 / 120 / 30 / 13)
        ("MAT", "9.20"),
        ("LAB", "20.00"),
        ("COH", "5.00"),
        ("MOH", "0.92"),
    }
    assert [(a["account"], a["ledger_value"], a["difference"]) for a in wip["accounts"]] == [
        ("1330", "35.12", "0.00")
    ]
    api.post("/api/costing/adjust/", {}, format="json")
    assert api.get("/api/costing/wip/").data["rows"] == []

    equation = api.get(
        "/api/costing/inventory-value/", {"date_from": "2026-03-02", "date_to": "2026-03-31"}
    ).data
    rows = {(r["account"], r["item"]): r for r in equation["rows"]}
    steel = rows[("1300", "STEEL")]
    assert (steel["beginning"], steel["increases"], steel["decreases"], steel["ending"]) == (
        "156.00",
        "0.00",
        "109.20",
        "46.80",
    )
    wip = rows[("1330", "BRACKET")]
    assert (wip["beginning"], wip["increases"], wip["decreases"], wip["ending"]) == (
        "0.00",
        "328.12",
        "328.12",
        "0.00",
    )
    assert all(a["difference"] == "0.00" for a in equation["accounts"])

    def drill(account):
        line = JournalLine.objects.get(
            account=company.account(account), entry__journal__code="COST"
        )
        response = api.get("/api/costing/variance-sources/", {"journal_line": line.pk})
        return {
            (r["cause"], r["item"], r["work_center"], r["kind"], r["amount"]) for r in response.data
        }, response.data

    material, rows = drill("5310")
    assert material == {
        ("price", "STEEL", "", "consumption", "4.20"),
        ("quantity", "STEEL", "", "consumption", "5.00"),
    }
    assert rows[0]["quantity"] == "-21.000000"
    assert dt.date.fromisoformat(rows[0]["posting_date"]) == dt.date(2026, 3, 3)
    capacity, rows = drill("5320")
    assert capacity == {
        ("lot_size", "BRACKET", "WELD", "time", "10.00"),
        ("quantity", "BRACKET", "WELD", "time", "10.00"),
    }
    assert rows[0]["hours"] == "7.000000"
    overhead, _ = drill("5350")  # manufacturing overhead follows its base: the steel
    assert overhead == {
        ("price", "STEEL", "", "consumption", "0.42"),
        ("quantity", "STEEL", "", "consumption", "0.50"),
    }


def test_a_later_variance_links_to_the_adjustment_that_caused_it(api, finished_bracket, post):
    from mfgcost.inventory.models import ItemLedgerEntry

    api.post("/api/costing/adjust/", {}, format="json")
    receipt = ItemLedgerEntry.objects.get(item__number="STEEL", entry_type="purchase")
    post.invoice(receipt, "30", "5.50", day=10)
    api.post("/api/costing/adjust/", {}, format="json")

    latest = ValueEntry.objects.filter(entry_type="variance", cost_group__code="MAT").latest("id")
    rows = api.get("/api/costing/variance-sources/", {"value_entry": latest.pk}).data
    assert [(r["cause"], r["amount"], r["source_amount"]) for r in rows] == [
        ("price", "6.30", "-6.30")
    ]
    source = ValueEntry.objects.get(pk=rows[0]["source_entry"])
    assert source.adjustment and source.item_ledger_entry.entry_type == "consumption"

"""REST API of items: nested BOMs and routings, bad input as 400s, roll-up and activation."""

import datetime as dt
from decimal import Decimal

import pytest

from mfgcost.inventory.models import ValueEntry
from mfgcost.inventory.services import purchase_receipt_post
from mfgcost.items.models import (
    BomLine,
    BomOutput,
    BomVersion,
    CostingSheetRule,
    Item,
    RoutingVersion,
    StandardCost,
    UnitConversion,
)

D = Decimal
pytestmark = pytest.mark.django_db
API = "/api/items"


def written() -> tuple[int, ...]:
    return (
        BomVersion.objects.count(),
        BomLine.objects.count(),
        BomOutput.objects.count(),
        RoutingVersion.objects.count(),
    )


def bom_body(item: str, *lines: dict, **fields) -> dict:
    """A second BOM version, valid in 2025 (before the fixtures' versions) unless told."""
    validity = {"valid_from": "2025-01-01", "valid_to": "2025-12-31"}
    return {"item": item, "version": "2", **validity, "lines": list(lines), **fields}


def test_create_item_and_bom_with_nested_lines(api, company, steel_works):
    response = api.post(
        f"{API}/items/",
        {
            "number": "PELLET",
            "description": "Pellets",
            "base_unit": "t",
            "posting_group": "FINISHED",
            "replenishment": "production",
            "costing_method": "standard",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    response = api.post(
        f"{API}/boms/",
        bom_body(
            "PELLET",
            {"component": "IRON-ORE", "quantity_per": "1.05", "unit": "t", "scrap_percent": "2"},
            {"component": "LIMESTONE", "quantity_per": "0.02", "unit": "t"},
            valid_from="2026-01-01",
            valid_to=None,
        ),
        format="json",
    )
    assert response.status_code == 201, response.data
    assert [(line["line_no"], line["component"]) for line in response.data["lines"]] == [
        (10, "IRON-ORE"),
        (20, "LIMESTONE"),
    ]
    codes = dict(Item.objects.values_list("number", "low_level_code"))
    assert (codes["PELLET"], codes["IRON-ORE"]) == (0, 2)  # ore is deepest under pig iron

    bom_id = response.data["id"]
    response = api.patch(f"{API}/boms/{bom_id}/", {"valid_to": "2026-12-31"}, format="json")
    assert response.status_code == 200, response.data
    assert len(response.data["lines"]) == 2  # lines not sent: kept

    listed = api.get(f"{API}/boms/", {"component": "LIMESTONE"}).data["results"]
    assert sorted(row["item"] for row in listed) == ["PELLET", "SINTER"]
    listed = api.get(f"{API}/boms/", {"valid_on": "2027-01-01"}).data["results"]
    assert sorted(row["item"] for row in listed) == ["PIG-IRON", "SINTER"]
    listed = api.get(f"{API}/items/", {"cost_group": "MAT", "number": "L"}).data["results"]
    assert [row["number"] for row in listed] == ["LIMESTONE"]


def test_a_bom_cycle_is_a_400_naming_the_line_and_the_path(api, steel_works):
    before = written()
    response = api.post(
        f"{API}/boms/",
        bom_body(
            "IRON-ORE",
            {"component": "PIG-IRON", "quantity_per": "1", "unit": "t"},
        ),
        format="json",
    )
    assert response.status_code == 400
    assert list(response.data) == ["lines[0].component"]
    assert "IRON-ORE -> PIG-IRON -> SINTER -> IRON-ORE" in response.data["lines[0].component"][0]
    assert written() == before


def test_a_unit_without_conversion_is_a_400(api, company, steel_works):
    before = written()
    body = bom_body("SINTER", {"component": "COKE", "quantity_per": "70", "unit": "kg"})
    response = api.post(f"{API}/boms/", body, format="json")
    assert response.status_code == 400
    assert "no unit conversion from kg to t for item COKE" in response.data["lines[0].unit"][0]
    assert written() == before

    UnitConversion.objects.create(
        from_unit=company.units["t"], to_unit=company.units["kg"], factor=D("1000")
    )
    response = api.post(f"{API}/boms/", body, format="json")
    assert response.status_code == 201, response.data


@pytest.mark.parametrize("scrap", ["-0.5", "100", "120"])
def test_scrap_below_zero_or_from_100_percent_is_a_400(api, steel_works, scrap):
    before = written()
    response = api.post(
        f"{API}/boms/",
        bom_body(
            "SINTER",
            {"component": "IRON-ORE", "quantity_per": "1.3", "unit": "t"},
            {"component": "COKE", "quantity_per": "0.07", "unit": "t", "scrap_percent": scrap},
        ),
        format="json",
    )
    assert response.status_code == 400
    assert list(response.data) == ["lines[1].scrap_percent"]
    assert written() == before


def test_overlapping_validity_is_a_400(api, steel_works, frame_product):
    before = written()
    body = bom_body(
        "SINTER",
        {"component": "COKE", "quantity_per": "0.07", "unit": "t"},
        valid_from="2026-06-01",
        valid_to=None,
    )
    response = api.post(f"{API}/boms/", body, format="json")
    assert response.status_code == 400
    assert "overlaps BOM version F1 of item SINTER" in response.data["valid_from"][0]
    response = api.post(
        f"{API}/routings/",
        {
            "item": "BRACKET",
            "version": "2",
            "valid_from": "2025-01-01",
            "valid_to": "2026-01-01",
            "operations": [{"operation_no": 10, "work_center": "CUT", "run_time": "0.2"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.data) == ["valid_from"]
    assert written() == before

    body["valid_from"] = "2025-01-01"
    body["valid_to"] = "2025-12-31"  # ends the day before F1 starts: no overlap
    assert api.post(f"{API}/boms/", body, format="json").status_code == 201


def test_a_co_product_split_not_adding_up_to_100_is_a_400(api, frame_product):
    before = written()
    bom = BomVersion.objects.get(item=frame_product["frame"])
    response = api.patch(f"{API}/boms/{bom.pk}/", {"main_allocation_percent": "75"}, format="json")
    assert response.status_code == 400
    assert "75 + 20 = 95" in response.data["cost_allocation_percent"][0]
    response = api.patch(
        f"{API}/boms/{bom.pk}/",
        {
            "outputs": [
                {
                    "item": "OFFCUT",
                    "kind": "co_product",
                    "quantity": "0.5",
                    "cost_allocation_percent": "30",
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.data) == ["cost_allocation_percent"]
    assert written() == before
    bom.refresh_from_db()
    assert bom.main_allocation_percent == D("80")

    response = api.patch(
        f"{API}/boms/{bom.pk}/",
        {
            "main_allocation_percent": "70",
            "outputs": [
                {
                    "item": "OFFCUT",
                    "kind": "co_product",
                    "quantity": "0.5",
                    "cost_allocation_percent": "30",
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.data


def test_a_subcontracted_operation_needs_a_service_item(api, frame_product):
    response = api.post(
        f"{API}/routings/",
        {
            "item": "OFFCUT",
            "version": "1",
            "valid_from": "2026-01-01",
            "operations": [{"operation_no": 10, "work_center": "COATV", "subcontracted": True}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.data) == ["operations[0].service_item"]


def test_costing_sheet_with_nested_rules(api, company):
    response = api.post(
        f"{API}/costing-sheets/",
        {
            "code": "STD",
            "name": "Standard overheads",
            "rules": [
                {
                    "basis": "surcharge_percent",
                    "percent": "12.5",
                    "base_cost_groups": ["MAT"],
                    "cost_group": "MOH",
                },
                {"basis": "rate_per_kg", "rate": "0.40", "cost_group": "MOH"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert [r["sequence"] for r in response.data["rules"]] == [10, 20]
    rule = CostingSheetRule.objects.get(sequence=10)
    assert [g.code for g in rule.base_cost_groups.all()] == ["MAT"]
    response = api.post(
        f"{API}/costing-sheets/",
        {
            "code": "BAD",
            "name": "Bad",
            "rules": [{"basis": "surcharge_percent", "percent": "5", "cost_group": "MOH"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.data) == ["rules[0].base_cost_groups"]


def test_roll_up_activate_and_compare_through_the_api(api, company, version, steel_works):
    iron = steel_works["iron"]
    purchase_receipt_post(
        item=iron,
        location=company.main,
        quantity=D("10"),
        unit_cost=D("0"),
        posting_date=dt.date(2026, 3, 2),
        source_key="t:iron:in",
    )
    response = api.post(
        f"{API}/costing-versions/{version.pk}/rollup/",
        {"items": ["PIG-IRON"], "as_of": "2026-04-01"},
        format="json",
    )
    assert response.status_code == 200, response.data
    records = {r["item"]: r for r in response.data["records"]}
    assert records["PIG-IRON"]["unit_cost"] == "108.750000"
    assert records["SINTER"]["lines"] == [
        {
            "cost_group": "MAT",
            "group_type": "direct_material",
            "this_level": "56.250000",
            "rolled_up": "56.250000",
        }
    ]
    response = api.post(
        f"{API}/standard-costs/activate/",
        {"standard_costs": [records["PIG-IRON"]["id"]]},
        format="json",
    )
    assert response.status_code == 200, response.data
    assert response.data[0]["status"] == "active"
    iron.refresh_from_db()
    assert iron.standard_cost == D("108.75")
    revaluation = ValueEntry.objects.get(entry_type=ValueEntry.EntryType.REVALUATION)
    assert revaluation.cost_amount_actual == 10 * D("108.75")  # stock received at 0 standard

    response = api.post(f"{API}/costing-versions/{version.pk}/activate/", {}, format="json")
    assert [r["item"] for r in response.data] == ["SINTER"]
    assert not StandardCost.objects.filter(status=StandardCost.Status.PENDING).exists()

    response = api.get(f"{API}/costing-versions/compare/", {"base": "STD26", "other": "STD26"})
    assert response.status_code == 200
    assert {row["item"]: row["difference"] for row in response.data} == {
        "PIG-IRON": "0.000000",
        "SINTER": "0.000000",
    }
    listed = api.get(f"{API}/standard-costs/", {"status": "active", "item": "SINTER"})
    assert [r["unit_cost"] for r in listed.data["results"]] == ["56.250000"]


def test_roll_up_of_an_unknown_item_is_a_400(api, version):
    response = api.post(
        f"{API}/costing-versions/{version.pk}/rollup/",
        {"items": ["NOPE"], "as_of": "2026-04-01"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.data) == ["items"]


def test_entering_a_price_and_deleting_used_master_data(api, company, version, steel_works):
    response = api.post(
        f"{API}/standard-costs/",
        {
            "version": "STD26",
            "item": "COKE",
            "activation_date": "2026-04-01",
            "lines": [{"cost_group": "MAT", "amount": "72.5"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["unit_cost"] == "72.500000"
    unit = api.get(f"{API}/units/", {"code": "t"}).data["results"][0]
    assert api.delete(f"{API}/units/{unit['id']}/").status_code == 409

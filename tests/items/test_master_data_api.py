"""The items API names the field at fault for a main product share without co-products."""

import pytest

from mfgcost.items.models import BomVersion

pytestmark = pytest.mark.django_db


def test_a_main_share_below_100_without_co_products_names_main_allocation(api, steel_works):
    bom = BomVersion.objects.get(item=steel_works["sinter"])  # no co-products
    response = api.patch(
        f"/api/items/boms/{bom.pk}/", {"main_allocation_percent": "90"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.data) == ["main_allocation_percent"]
    bom.refresh_from_db()
    assert bom.main_allocation_percent == 100


def test_master_data_round_trips_with_filters_and_checked_conversions(api, company, frame_product):
    base = "/api/items"
    response = api.post(f"{base}/units/", {"code": "box", "name": "Box"}, format="json")
    assert response.status_code == 201, response.data
    conversion = {"from_unit": "box", "to_unit": "pcs", "factor": "12"}
    response = api.post(f"{base}/unit-conversions/", {**conversion, "item": "BOLT"}, format="json")
    assert response.status_code == 201, response.data
    assert (response.data["item"], response.data["factor"]) == ("BOLT", "12.000000")
    # The same pair read the other way round is the same conversion; a factor must be positive.
    response = api.post(
        f"{base}/unit-conversions/",
        {"item": "BOLT", "from_unit": "pcs", "to_unit": "box", "factor": "0.1"},
        format="json",
    )
    assert (response.status_code, list(response.data)) == (400, ["to_unit"])
    response = api.post(f"{base}/unit-conversions/", {**conversion, "factor": "0"}, format="json")
    assert (response.status_code, list(response.data)) == (400, ["factor"])
    listed = api.get(f"{base}/unit-conversions/", {"item": "BOLT"}).data["results"]
    assert [(r["from_unit"], r["to_unit"]) for r in listed] == [("box", "pcs")]
    listed = api.get(f"{base}/unit-conversions/", {"is_global": "true"}).data["results"]
    assert [(r["from_unit"], r["to_unit"], r["factor"]) for r in listed] == [
        ("l", "ml", "1000.000000")
    ]

    response = api.post(
        f"{base}/cost-groups/",
        {"code": "ENERGY", "name": "Energy", "group_type": "capacity_overhead"},
        format="json",
    )
    assert response.status_code == 201, response.data
    listed = api.get(f"{base}/cost-groups/", {"group_type": "capacity_overhead"}).data["results"]
    assert sorted(r["code"] for r in listed) == ["COH", "ENERGY"]

    response = api.post(
        f"{base}/work-centers/",
        {
            "code": "PAINT-V",
            "name": "Painting at Coating Co",
            "vendor": "COATCO",
            "direct_cost_group": "SUB",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    subcontracted = api.get(f"{base}/work-centers/", {"subcontracted": "true"}).data["results"]
    assert sorted(r["code"] for r in subcontracted) == ["COATV", "PAINT-V"]
    in_house = api.get(f"{base}/work-centers/", {"subcontracted": "false"}).data["results"]
    assert sorted(r["code"] for r in in_house) == ["CUT", "WELD"]
    response = api.post(
        f"{base}/items/",
        {
            "number": "PAINTING",
            "description": "Painting",
            "item_type": "service",
            "base_unit": "pcs",
            "posting_group": "SERVICE",
        },
        format="json",
    )
    assert (response.status_code, list(response.data)) == (400, ["cost_group"])


def test_a_negative_work_centre_rate_is_a_400_naming_the_rate(api, company):
    response = api.post(
        "/api/items/work-centers/",
        {"code": "BAD", "name": "Bad", "direct_cost_per_hour": "-1"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.data) == ["direct_cost_per_hour"]

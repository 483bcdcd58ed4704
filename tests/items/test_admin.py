"""Admin: bad BOMs are form errors on the field at fault; actions call the services."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model

from mfgcost.inventory.models import ValueEntry
from mfgcost.inventory.services import purchase_receipt_post
from mfgcost.items.admin import StandardCostAdmin
from mfgcost.items.models import BomLine, BomOutput, BomVersion, Item, StandardCost
from mfgcost.items.services import standard_cost_activate, standard_cost_rollup

from .conftest import DAY

D = Decimal
pytestmark = pytest.mark.django_db
ADD_BOM = "/admin/items/bomversion/add/"


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("admin", "a@example.com", "pw")
    client.force_login(user)
    return client


def bom_post(item: Item, lines=(), outputs=(), **header) -> dict:
    """The add form of a BOM version with its line and output inlines."""
    data = {
        "item": item.pk,
        "version": "2",
        "valid_from": "2025-01-01",
        "valid_to": "2025-12-31",
        "quantity": "1",
        "main_allocation_percent": "100",
        **header,
    }
    for prefix, rows in (("lines", lines), ("outputs", outputs)):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": len(rows),
                f"{prefix}-INITIAL_FORMS": 0,
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        )
        for index, row in enumerate(rows):
            data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def bom_line(number: int, component: Item, quantity: str, unit=None, scrap: str = "0") -> dict:
    return {
        "line_no": number,
        "component": component.pk,
        "quantity_per": quantity,
        "unit": (unit or component.base_unit).pk,
        "scrap_percent": scrap,
        "flushing_method": "manual",
    }


def form_errors(response) -> dict[str, list[str]]:
    """Errors of the page's form and inline forms, keyed like ``lines[0].unit``."""
    assert response.status_code == 200, "the form was saved"
    errors = {
        name: list(messages) for name, messages in response.context["adminform"].form.errors.items()
    }
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for index, form_errors in enumerate(formset.errors):
            for name, messages in form_errors.items():
                errors[f"{formset.prefix}[{index}].{name}"] = list(messages)
        if formset.non_form_errors():
            errors[formset.prefix] = list(formset.non_form_errors())
    return errors


def counts() -> tuple[int, int, int]:
    return BomVersion.objects.count(), BomLine.objects.count(), BomOutput.objects.count()


def test_a_valid_bom_is_saved(admin_client, steel_works):
    pellet = Item.objects.create(
        number="PELLET",
        description="Pellets",
        base_unit=steel_works["ore"].base_unit,
        posting_group=steel_works["ore"].posting_group,
    )
    data = bom_post(pellet, [bom_line(10, steel_works["ore"], "1.05", scrap="2")])
    response = admin_client.post(ADD_BOM, data)
    assert response.status_code == 302
    assert BomLine.objects.get(bom__item=pellet).scrap_percent == D("2")


def test_a_cycle_is_a_form_error_naming_the_path(admin_client, steel_works):
    before = counts()
    data = bom_post(steel_works["ore"], [bom_line(10, steel_works["iron"], "1")])
    errors = form_errors(admin_client.post(ADD_BOM, data))
    assert list(errors) == ["lines[0].component"]
    assert "IRON-ORE -> PIG-IRON -> SINTER -> IRON-ORE" in errors["lines[0].component"][0]
    assert counts() == before


def test_a_unit_without_conversion_is_a_form_error(admin_client, company, steel_works):
    before = counts()
    data = bom_post(
        steel_works["sinter"], [bom_line(10, steel_works["coke"], "70", unit=company.units["kg"])]
    )
    errors = form_errors(admin_client.post(ADD_BOM, data))
    assert list(errors) == ["lines[0].unit"]
    assert "no unit conversion from kg to t" in errors["lines[0].unit"][0]
    assert counts() == before


@pytest.mark.parametrize("scrap", ["-1", "100"])
def test_scrap_out_of_range_is_a_form_error(admin_client, steel_works, scrap):
    before = counts()
    data = bom_post(steel_works["sinter"], [bom_line(10, steel_works["coke"], "0.07", scrap=scrap)])
    errors = form_errors(admin_client.post(ADD_BOM, data))
    assert list(errors) == ["lines[0].scrap_percent"]
    assert counts() == before


def test_overlapping_validity_is_a_form_error(admin_client, steel_works):
    before = counts()
    data = bom_post(
        steel_works["sinter"],
        [bom_line(10, steel_works["coke"], "0.07")],
        valid_from="2026-06-01",
        valid_to="",
    )
    errors = form_errors(admin_client.post(ADD_BOM, data))
    assert list(errors) == ["valid_from"]
    assert "overlaps BOM version F1" in errors["valid_from"][0]
    assert counts() == before


def test_a_co_product_split_not_adding_up_is_a_form_error(admin_client, frame_product):
    before = counts()
    offcut = {
        "item": frame_product["offcut"].pk,
        "kind": "co_product",
        "quantity": "0.5",
        "cost_allocation_percent": "20",
        "fixed_credit_per_unit": "0",
    }
    data = bom_post(
        frame_product["frame"],
        [bom_line(10, frame_product["bracket"], "4")],
        [offcut],
        main_allocation_percent="75",
    )
    errors = form_errors(admin_client.post(ADD_BOM, data))
    assert list(errors) == ["outputs[0].cost_allocation_percent"]
    assert "75 + 20 = 95" in errors["outputs[0].cost_allocation_percent"][0]
    assert counts() == before


def test_roll_up_and_activate_actions(admin_client, company, version, steel_works):
    iron = steel_works["iron"]
    purchase_receipt_post(
        item=iron,
        location=company.main,
        quantity=D("2"),
        unit_cost=D("0"),
        posting_date=DAY,
        source_key="t:admin:iron",
    )
    response = admin_client.post(
        "/admin/items/item/",
        {
            "action": "roll_up",
            "_selected_action": [iron.pk],
            "version": version.pk,
            "as_of": "2026-04-01",
        },
    )
    assert response.status_code == 302
    record = StandardCost.objects.get(item=iron)
    assert record.unit_cost == D("108.75")
    response = admin_client.post(
        "/admin/items/standardcost/",
        {
            "action": "activate",
            "_selected_action": [record.pk],
        },
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == StandardCost.Status.ACTIVE
    revaluation = ValueEntry.objects.get(entry_type=ValueEntry.EntryType.REVALUATION)
    assert revaluation.cost_amount_actual == 2 * D("108.75")


def test_an_active_standard_cost_is_read_only(admin_client, rf, version, steel_works):
    outcome = standard_cost_rollup(version=version, items=[steel_works["sinter"]], as_of=DAY)
    record = outcome.records[0]
    model_admin = StandardCostAdmin(StandardCost, admin.site)
    request = rf.get("/")
    request.user = get_user_model().objects.get(username="admin")
    assert "activation_date" not in model_admin.get_readonly_fields(request, record)
    standard_cost_activate(standard_costs=[record], posting_date=DAY)
    record.refresh_from_db()
    assert "activation_date" in model_admin.get_readonly_fields(request, record)
    assert not model_admin.has_delete_permission(request, record)
    inline = model_admin.get_inline_instances(request, record)[0]
    assert not inline.has_change_permission(request, record)
    page = admin_client.get(f"/admin/items/standardcost/{record.pk}/change/")
    assert page.status_code == 200

"""Admin autocomplete: the fields declared in ``autocomplete_fields`` find the right rows.

The select boxes of those fields ask ``/admin/autocomplete/`` with the model and field they sit
on (``app_label``, ``model_name``, ``field_name``) and what was typed (``term``). The answer is
the related model's admin search (each word of the term must match one of its
``search_fields``), in the model's ordering, 20 a page, as ``{"id": pk, "text": str(row)}``.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from ledger.admin import ACCOUNT_FIELDS
from ledger.models import Account, GeneralPostingSetup
from mfgcost.company import CHART
from mfgcost.items.models import BomLine, Item, Operation, WorkCenter
from subcontracting.models import Vendor

URL = "/admin/autocomplete/"
pytestmark = pytest.mark.django_db


def ask(client, model, field_name: str, term: str = "", **params):
    return client.get(
        URL,
        {
            "app_label": model._meta.app_label,
            "model_name": model._meta.model_name,
            "field_name": field_name,
            "term": term,
            **params,
        },
    )


def found(client, model, field_name: str, term: str = "", **params) -> list[tuple[str, str]]:
    """``(id, text)`` of the rows the autocomplete of ``model.field_name`` offers for ``term``."""
    response = ask(client, model, field_name, term, **params)
    assert response.status_code == 200, response.content
    return [(row["id"], row["text"]) for row in response.json()["results"]]


def row(obj) -> tuple[str, str]:
    return (str(obj.pk), str(obj))


@pytest.fixture
def items(company):
    def make(number: str, description: str, **fields) -> Item:
        fields.setdefault("posting_group", company.groups["RAW"])
        fields.setdefault("cost_group", company.cost_groups["MAT"])
        return Item.objects.create(
            number=number, description=description, base_unit=company.units["pcs"], **fields
        )

    return {
        "CASTING-A": make("CASTING-A", "Gear case casting"),
        "CASTING-B": make("CASTING-B", "Cover casting"),
        "P-100": make("P-100", "Grey iron casting"),
        "BOLT-M8": make("BOLT-M8", "Hex bolt M8"),
        "SVC-HEAT": make(
            "SVC-HEAT",
            "Heat treatment",
            item_type=Item.ItemType.SERVICE,
            posting_group=company.groups["SERVICE"],
            cost_group=company.cost_groups["SUB"],
        ),
    }


@pytest.fixture
def work_centers(company):
    vendor_v = Vendor.objects.create(code="V", name="Vendor V")
    vendor_w = Vendor.objects.create(code="W", name="Vendor W")
    return {
        "MACH": WorkCenter.objects.create(code="MACH", name="Machining"),
        "HEAT-V": WorkCenter.objects.create(
            code="HEAT-V", name="Heat treatment at V", vendor=vendor_v
        ),
        "MACH-W": WorkCenter.objects.create(code="MACH-W", name="Machining at W", vendor=vendor_w),
        "V": vendor_v,
        "W": vendor_w,
    }


def test_bom_line_component_by_number_or_description(admin_client, items):
    # "casting" is in the number of CASTING-A and -B and in the description of P-100.
    assert found(admin_client, BomLine, "component", "casting") == [
        row(items["CASTING-A"]),
        row(items["CASTING-B"]),
        row(items["P-100"]),
    ]
    # Every word must match: "grey" only P-100's description, "cast" all three castings.
    assert found(admin_client, BomLine, "component", "grey cast") == [row(items["P-100"])]
    assert found(admin_client, BomLine, "component", "M8") == [row(items["BOLT-M8"])]
    assert found(admin_client, BomLine, "component", "gear case") == [row(items["CASTING-A"])]
    assert found(admin_client, BomLine, "component", "nothing like it") == []


def test_routing_operation_work_center_and_service_item(admin_client, items, work_centers):
    assert found(admin_client, Operation, "work_center", "mach") == [
        row(work_centers["MACH"]),
        row(work_centers["MACH-W"]),
    ]
    # "at" is in both vendors' centres (and in "Heat"), "w" only in "MACH-W" / "Machining at W".
    assert found(admin_client, Operation, "work_center", "at w") == [row(work_centers["MACH-W"])]
    assert found(admin_client, Operation, "work_center", "treatment") == [
        row(work_centers["HEAT-V"])
    ]
    assert found(admin_client, Operation, "service_item", "heat") == [row(items["SVC-HEAT"])]
    # The vendor of a work centre: by code or name.
    assert found(admin_client, WorkCenter, "vendor", "w") == [row(work_centers["W"])]
    assert found(admin_client, WorkCenter, "vendor", "vendor") == [
        row(work_centers["V"]),
        row(work_centers["W"]),
    ]


def test_posting_setup_accounts_by_number_or_name(admin_client, company):
    accounts = company.accounts
    assert found(admin_client, GeneralPostingSetup, "payables_account", "payable") == [
        (str(accounts["2000"].pk), "2000 Accounts payable")
    ]
    # By number: every account with "53" in it, the variance accounts, in number order.
    assert found(admin_client, GeneralPostingSetup, "material_variance_account", "53") == [
        row(accounts[number]) for number in ("5300", "5310", "5320", "5330", "5340", "5350")
    ]
    # Number and name words together.
    assert found(admin_client, GeneralPostingSetup, "cogs_account", "5 sold") == [
        (str(accounts["5000"].pk), "5000 Cost of goods sold")
    ]
    # Every account field of the setup searches the same chart.
    for name in ACCOUNT_FIELDS:
        assert found(admin_client, GeneralPostingSetup, name, "applied") == [
            row(accounts[number]) for number in ("5200", "5210", "5220")
        ], name
    assert found(admin_client, GeneralPostingSetup, "posting_group", "fin") == [
        row(company.groups["FINISHED"])
    ]


def test_results_come_20_a_page(admin_client, company):
    numbers = sorted(number for number, *_ in CHART)
    assert len(numbers) == 23
    first = ask(admin_client, GeneralPostingSetup, "payables_account").json()
    assert [r["text"].split()[0] for r in first["results"]] == numbers[:20]
    assert first["pagination"] == {"more": True}
    second = ask(admin_client, GeneralPostingSetup, "payables_account", page=2).json()
    assert [r["text"].split()[0] for r in second["results"]] == numbers[20:]
    assert second["pagination"] == {"more": False}


def test_autocomplete_needs_view_permission_on_the_related_model(client, company):
    assert ask(client, GeneralPostingSetup, "payables_account", "pay").status_code == 302  # login
    staff = get_user_model().objects.create_user("clerk", password="x", is_staff=True)
    client.force_login(staff)
    assert ask(client, GeneralPostingSetup, "payables_account", "pay").status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_account"))
    assert found(client, GeneralPostingSetup, "payables_account", "pay") == [
        row(company.accounts["2000"])
    ]
    # A field that names no related model is refused, not searched.
    assert ask(client, Account, "number", "20").status_code == 403


def _declared_autocompletes():
    """(owner admin, source model, field name) for every autocomplete field of the admin site,
    on model admins and on their inlines."""
    declared = []
    for model, model_admin in admin.site._registry.items():
        for inline in model_admin.inlines:
            for name in inline.autocomplete_fields:
                declared.append((inline.__name__, inline.model, name))
        for name in model_admin.autocomplete_fields:
            declared.append((type(model_admin).__name__, model, name))
    return declared


def test_every_autocomplete_target_has_an_admin_with_search_fields():
    declared = _declared_autocompletes()
    owners = {owner for owner, *_ in declared}
    # The admins of the items, subcontracting and ledger apps that declare them are all seen.
    assert {
        "BomLineInline",
        "OperationInline",
        "WorkCenterAdmin",
        "ItemAdmin",
        "GeneralPostingSetupAdmin",
        "ServicePriceAdmin",
        "VendorUserAdmin",
        "VendorUserInline",
    } <= owners
    missing = []
    for owner, model, name in declared:
        target = model._meta.get_field(name).remote_field.model
        target_admin = admin.site._registry.get(target)
        if target_admin is None or not target_admin.search_fields:
            missing.append(f"{owner}.{name} -> {target._meta.label}")
    assert missing == []


def test_every_declared_autocomplete_answers(admin_client, company):
    failed = []
    for owner, model, name in _declared_autocompletes():
        response = ask(admin_client, model, name)
        if response.status_code != 200:
            failed.append(f"{owner}.{name}: {response.status_code}")
    assert failed == []

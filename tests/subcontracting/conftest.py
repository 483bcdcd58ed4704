"""Fixtures for subcontracting: the gear of the worked case, vendors, and API clients.

The gear (standard 22.00): 1 blank (standard 10.00) at operation 10 and 0.1 kg coating powder
(standard 20.00/kg) at operation 20; operation 10 machining in house, 0.2 h/unit at 30.00/h;
operation 20 heat treatment by vendor V at 4.00/unit (direct outsourcing).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mfgcost.company import vendor_location_create
from mfgcost.inventory.services import purchase_receipt_post
from mfgcost.items.models import (
    BomLine,
    BomVersion,
    CostGroup,
    CostingVersion,
    Item,
    Operation,
    RoutingVersion,
    StandardCost,
    StandardCostLine,
    WorkCenter,
)
from mfgcost.production.models import ProductionOrder
from mfgcost.production.services import production_order_create, production_order_release
from subcontracting.models import ServicePrice, Vendor, VendorUser

D = Decimal
RECEIPT_DAY = dt.date(2026, 3, 1)
RELEASE_DAY = dt.date(2026, 3, 2)
POST_DAY = dt.date(2026, 3, 3)


def standard_cost_set(item: Item, by_group: dict[CostGroup, Decimal], *, on=RELEASE_DAY):
    """An active standard cost for ``item`` broken down by cost group (rolled up = this level)."""
    version, _ = CostingVersion.objects.get_or_create(
        code="STD", defaults={"name": "Standard", "version_type": "standard"}
    )
    total = sum(by_group.values(), D("0"))
    cost = StandardCost.objects.create(
        version=version,
        item=item,
        activation_date=on,
        status=StandardCost.Status.ACTIVE,
        unit_cost=total,
        lot_size=item.lot_size,
    )
    StandardCostLine.objects.bulk_create(
        StandardCostLine(standard_cost=cost, cost_group=group, this_level=amount, rolled_up=amount)
        for group, amount in by_group.items()
    )
    Item.objects.filter(pk=item.pk).update(standard_cost=total, unit_cost=total)
    item.refresh_from_db()
    return cost


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class Gear:
    company: object
    item: Item
    blank: Item
    powder: Item
    service: Item
    machining: WorkCenter
    heat: WorkCenter
    vendor: Vendor
    routing: RoutingVersion
    bom: BomVersion

    def order(self, number: str = "PO-1", quantity: str = "100") -> ProductionOrder:
        return production_order_create(
            number=number,
            item=self.item,
            quantity=quantity,
            location=self.company.main,
            due_date=dt.date(2026, 3, 31),
        )

    def released(self, number: str = "PO-1", quantity: str = "100") -> ProductionOrder:
        return production_order_release(
            order=self.order(number, quantity),
            posting_date=RELEASE_DAY,
            source_key=f"test:{number}:release",
        )


def vendor_create(company, code: str, *, order_creation: str = "automatic", **fields) -> Vendor:
    location = vendor_location_create(code=f"L-{code}", name=f"At {code}", company=company)
    return Vendor.objects.create(
        code=code, name=f"Vendor {code}", location=location, order_creation=order_creation, **fields
    )


@pytest.fixture
def gear(company, make_item) -> Gear:
    groups, units = company.cost_groups, company.units
    blank = make_item(number="BLANK", costing_method="standard", standard_cost=D("10.00"))
    powder = make_item(
        number="POWDER",
        base_unit=units["kg"],
        costing_method="standard",
        standard_cost=D("20.00"),
    )
    service = make_item(
        number="SVC-HEAT",
        item_type=Item.ItemType.SERVICE,
        posting_group=company.groups["SERVICE"],
        cost_group=groups["SUB"],
        unit_cost=D("4.00"),
    )
    vendor = vendor_create(company, "V", price_tolerance_percent=D("10"))
    ServicePrice.objects.create(
        vendor=vendor,
        service_item=service,
        valid_from=dt.date(2026, 1, 1),
        min_quantity=D("0"),
        unit_price=D("4.00"),
    )
    machining = WorkCenter.objects.create(
        code="MACH",
        name="Machining",
        direct_cost_per_hour=D("30.00"),
        direct_cost_group=groups["LAB"],
    )
    heat = WorkCenter.objects.create(code="HEAT-V", name="Heat treatment at V", vendor=vendor)
    item = make_item(
        number="GEAR",
        posting_group=company.groups["FINISHED"],
        costing_method="standard",
        replenishment="production",
        cost_group=None,
    )
    bom = BomVersion.objects.create(item=item, version="1", valid_from=dt.date(2026, 1, 1))
    BomLine.objects.create(
        bom=bom,
        line_no=10,
        component=blank,
        quantity_per=D("1"),
        unit=units["pcs"],
        operation_no=10,
    )
    BomLine.objects.create(
        bom=bom,
        line_no=20,
        component=powder,
        quantity_per=D("0.1"),
        unit=units["kg"],
        operation_no=20,
    )
    routing = RoutingVersion.objects.create(item=item, version="1", valid_from=dt.date(2026, 1, 1))
    Operation.objects.create(
        routing=routing,
        operation_no=10,
        description="Machining",
        work_center=machining,
        run_time=D("0.2"),
    )
    Operation.objects.create(
        routing=routing,
        operation_no=20,
        description="Heat treatment",
        work_center=heat,
        subcontracted=True,
        service_item=service,
    )
    standard_cost_set(
        item, {groups["MAT"]: D("12.00"), groups["LAB"]: D("6.00"), groups["SUB"]: D("4.00")}
    )
    for component, quantity in ((blank, "100"), (powder, "20")):
        purchase_receipt_post(
            item=component,
            location=company.main,
            quantity=D(quantity),
            unit_cost=component.standard_cost,
            posting_date=RECEIPT_DAY,
            source_key=f"test:{component.number}:receipt",
        )
    return Gear(
        company=company,
        item=item,
        blank=blank,
        powder=powder,
        service=service,
        machining=machining,
        heat=heat,
        vendor=vendor,
        routing=routing,
        bom=bom,
    )


# --------------------------------------------------------------------------- API clients


def purchasing_user(username: str = "buyer"):
    """A staff user with every permission of the subcontracting app."""
    user = get_user_model().objects.create_user(username, password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="subcontracting"))
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


def vendor_token_client(vendor: Vendor, username: str | None = None) -> APIClient:
    """An API client authenticated with the token of a new user of ``vendor``."""
    user = get_user_model().objects.create_user(username or f"user-{vendor.code}", password="x")
    VendorUser.objects.create(user=user, vendor=vendor)
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def buyer(db):
    return purchasing_user()


@pytest.fixture
def purchasing(buyer) -> APIClient:
    client = APIClient()
    client.force_authenticate(buyer)
    return client

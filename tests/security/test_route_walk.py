"""Every route of the URL resolver, every method, with a vendor's token and a user without rights.

The walk is built from ``django.urls.get_resolver()``, so a route added later is walked by
itself. Path parameters are filled with real objects (a released production order with its
operations, vendor ALPHA's subcontracting order with a shipment, a return, a notice, a report, a
receipt and an invoice, ...), so object routes reach their object; a superuser's GET on each
object route proves the ids are real. Outside ``/api/subcontracting/vendor/``:

* a vendor's user -- made staff and superuser on purpose, the link to the vendor must win -- with
  its token on the API and its session in the admin;
* a signed-in user who holds no permission;

get nothing but 401, 403 or 404, for GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS. OPTIONS is
walked because DRF answers it with the view's description and, to those who may write, its
input fields: it is a read like GET and asks for the same view permission. Under ``/vendor/``,
vendor BETA on ALPHA's objects gets 404 for every method (it may not even learn they exist).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ledger.models import CostCenter, CostObject
from mfgcost.costing.models import CostAdjustmentMark, VarianceSource
from mfgcost.costing.services import adjust_cost_run
from mfgcost.inventory.models import ValueEntry
from mfgcost.inventory.services import purchase_receipt_post
from mfgcost.items.models import CostingSheet, UnitConversion
from mfgcost.production.models import ProductionOrder
from subcontracting import services
from subcontracting.models import (
    IdempotencyKey,
    SubcontractingOrder,
    VendorUser,
    WorksheetProposal,
)
from tests.subcontracting.conftest import vendor_create

from .walk import Route, resolves_to, routes

D = Decimal
DAY = dt.date(2026, 3, 4)
VENDOR_PREFIX = "api/subcontracting/vendor/"
METHODS = ("get", "head", "post", "put", "patch", "delete", "options")
REFUSED = {401, 403, 404}
# The ways in are public: the admin's sign-in page (a vendor's user is refused there
# separately, test_access.py) and the API's token endpoint, which answers only to a user name
# and password (tests/api/test_filters_and_auth.py) and returns nothing else.
PUBLIC = {"admin/login/", "api/auth/token/"}

pytestmark = pytest.mark.django_db


def _sent_order(gear, number: str) -> SubcontractingOrder:
    production = gear.released(number, "100")
    order = SubcontractingOrder.objects.get(lines__production_order=production)
    return services.subcontracting_order_send(order=order)


@pytest.fixture
def estate(gear):
    """ALPHA's order with a document of every kind, BETA's own order, and a proposal."""
    alpha = gear.vendor
    beta = vendor_create(gear.company, "BETA")
    order_a = _sent_order(gear, "PO-ALPHA-1")
    line_a = order_a.lines.get()
    powder_a = line_a.production_order.components.get(item=gear.powder)
    purchase_receipt_post(
        item=gear.powder,
        location=gear.company.main,
        quantity=D("5"),
        unit_cost=D("20.00"),
        posting_date=DAY,
        source_key="walk:powder",
    )
    shipments = {}
    for direction, quantity in (("shipment", "3"), ("return", "1")):
        shipments[direction] = services.material_shipment_post(
            order=order_a,
            direction=direction,
            warehouse=gear.company.main,
            lines=[
                services.MaterialLineDraft(
                    order_line=line_a, component=powder_a, quantity=D(quantity)
                )
            ],
            posting_date=DAY,
            source_key=f"walk:{direction}",
        )
    notice_a = services.shipment_notice_create(
        order=order_a,
        shipped_on=DAY,
        lines=[services.NoticeLineDraft(order_line=line_a, quantity=D("10"))],
    )
    report_a = services.vendor_report_create(
        order=order_a,
        order_line=line_a,
        good_quantity=D("10"),
        consumption=[services.ConsumptionDraft(component=powder_a, quantity=D("1"))],
    )
    receipt_a = services.subcontracting_receipt_post(
        order_line=line_a, posting_date=DAY, source_key="walk:receipt", vendor_report=report_a
    )
    services.vendor_invoice_post(
        vendor=alpha,
        vendor_invoice_no="ALPHA-INV-1",
        invoice_date=DAY,
        posting_date=DAY,
        lines=[
            services.InvoiceLineDraft(receipt=receipt_a, quantity=D("10"), unit_price=D("4.00"))
        ],
        source_key="walk:invoice",
    )
    # BETA orders through the worksheet: its released order leaves a proposal.
    beta.order_creation = "worksheet"
    beta.save()
    gear.heat.vendor = beta
    gear.heat.save()
    gear.released("PO-BETA-1", "10")
    assert WorksheetProposal.objects.exists()
    adjust_cost_run()
    _setup_rows(gear, alpha)
    return {
        "gear": gear,
        "alpha": alpha,
        "beta": beta,
        "order_a": order_a,
        "objects_a": {
            "vendor-order": order_a.pk,
            "vendor-report": report_a.pk,
            "vendor-notice": notice_a.pk,
            "vendor-shipment": shipments["shipment"].pk,
            "vendor-receipt": receipt_a.pk,
        },
    }


def _setup_rows(gear, alpha) -> None:
    """One row of every model the postings above do not make, so each object route has one."""
    company = gear.company
    Group.objects.create(name="Cost accountants")
    linked = get_user_model().objects.create_user("alpha-clerk", password="x")
    VendorUser.objects.create(user=linked, vendor=alpha)
    Token.objects.create(user=linked)
    IdempotencyKey.objects.create(
        user=linked, key="k-1", request_hash="0" * 64, method="POST", path="/api/"
    )
    CostCenter.objects.create(code="PAINT", name="Paint shop")
    CostObject.objects.create(code="GEAR", name="Gear")
    UnitConversion.objects.create(
        item=gear.powder, from_unit=company.units["pcs"], to_unit=company.units["kg"], factor=2
    )
    CostingSheet.objects.create(code="OVH", name="Overhead")
    CostAdjustmentMark.objects.create(item=gear.item, from_date=DAY)
    first, second = ValueEntry.objects.order_by("pk")[:2]
    VarianceSource.objects.create(variance_entry=first, source_entry=second, amount=D("0.01"))
    from ledger.models import Period
    from mfgcost.close.models import CloseCheckSetting, CloseRun, PeriodReopening

    period = Period.objects.order_by("start_date").first()
    CloseRun.objects.create(period=period, status=CloseRun.Status.BLOCKED)
    CloseCheckSetting.objects.create(check_name="negative_stock", severity="warning")
    PeriodReopening.objects.create(period=period, reason="walk")
    # Everything else (cost accounting, lean, the beat schedule's tables...): plain rows.
    from mfgcost.costacct.services import cost_categories_reconcile, cost_ledger_transfer

    from .walk import one_row_of_each_model

    cost_categories_reconcile()  # a category per P&L account
    cost_ledger_transfer()  # the P&L lines posted above become cost entries
    one_row_of_each_model(on_date=DAY)


# --------------------------------------------------------------------------- identities


def _user(username: str, **flags):
    return get_user_model().objects.create_user(username, password="x", **flags)


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _session_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _vendor_user(vendor, username: str):
    """A vendor's user flagged staff and superuser: the vendor link must still keep it out."""
    user = _user(username, is_staff=True, is_superuser=True)
    VendorUser.objects.create(user=user, vendor=vendor)
    return user


# --------------------------------------------------------------------------- path values


def _model_of(route: Route):
    """The model a route's ``pk`` / ``object_id`` names, or None."""
    model_admin = getattr(route.callback, "model_admin", None)
    if model_admin is not None:
        return model_admin.model
    view_class = getattr(route.callback, "cls", None)
    if view_class is not None:
        view = view_class(**getattr(route.callback, "initkwargs", {}))
        view.request, view.args, view.kwargs, view.format_kwarg = None, (), {}, None
        view.action = "retrieve"
        return view.get_queryset().model
    # A custom admin page: its URL name starts with "<app label>_<model name>_".
    name = getattr(route.callback, "__name__", "")
    for model in apps.get_models():
        if route.template.startswith(f"admin/{model._meta.app_label}/{model._meta.model_name}/"):
            return model
    raise AssertionError(f"no model for {route.template} ({name})")


def _object_id(route: Route) -> str | None:
    """The id of a real object for the route, taken from the view's own queryset."""
    view_class = getattr(route.callback, "cls", None)
    if view_class is not None:
        view = view_class(**getattr(route.callback, "initkwargs", {}))
        view.request, view.args, view.kwargs, view.format_kwarg = None, (), {}, None
        view.action = "retrieve"
        pk = view.get_queryset().order_by("pk").values_list("pk", flat=True).first()
    else:
        pk = _model_of(route).objects.order_by("pk").values_list("pk", flat=True).first()
    return None if pk is None else str(pk)


def _values(route: Route, missing: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    if route.template.startswith("admin/r/"):  # "view on site": a content type and an object
        order = ProductionOrder.objects.order_by("pk").first()
        values["object_id"] = str(order.pk)
    for name in route.parameters:
        if name in values:
            continue
        if name in ("pk", "object_id", "id"):
            pk = _object_id(route)
            if pk is None:
                missing.append(route.template)
                pk = "1"
            values[name] = pk
        elif name == "number":
            values[name] = ProductionOrder.objects.order_by("pk").first().number
        elif name == "code" and route.template.startswith("api/lean/flows/"):
            from mfgcost.lean.models import ProductionFlow

            values[name] = ProductionFlow.objects.order_by("pk").first().code
        elif name == "format":
            values[name] = "json"
        elif name == "content_type_id":
            values[name] = str(ContentType.objects.get_for_model(ProductionOrder).pk)
        elif name == "app_label":
            values[name] = "production"
        elif name == "url":
            values[name] = "no-such-page/"
        elif name == "slug" and route.template.startswith("admin/reports/"):
            values[name] = "cost-sheet"  # a registered report page
        else:
            raise AssertionError(f"the walk cannot fill {{{name}}} in {route.template}")
    return values


def _guarded_paths() -> tuple[list[tuple[str, tuple[str, ...]]], list[str]]:
    """([(concrete path, methods to walk)] for every route under /api/ and /admin/ outside
    /vendor/, routes without a real object).

    A ``.json`` variant of a route is the same view with another renderer: it is walked with GET
    and POST only, to keep the walk short; the plain route gets every method.
    """
    paths, missing = [], []
    for route in routes():
        if not route.template.startswith(("api/", "admin/")):
            continue
        if route.template.startswith(VENDOR_PREFIX) or route.template in PUBLIC:
            continue
        path = route.path(_values(route, missing))
        assert resolves_to(route, path), f"{path} does not resolve to {route.template}"
        paths.append((path, ("get", "post") if "format" in route.parameters else METHODS))
    return paths, missing


def _call(client, method: str, path: str):
    if method in ("post", "put", "patch"):
        return getattr(client, method)(path, {}, content_type="application/json")
    return getattr(client, method)(path)


def _offenders(client, paths) -> list[str]:
    found = []
    for path, methods in paths:
        for method in methods:
            response = _call(client, method, path)
            if response.status_code not in REFUSED:
                found.append(f"{method.upper()} {path} -> {response.status_code}")
    return found


# --------------------------------------------------------------------------- the walk


def test_the_walk_reaches_real_objects(estate):
    """Each object route has a real object, and a superuser's GET finds it (not 404)."""
    paths, missing = _guarded_paths()
    assert not missing, f"routes without an object to walk: {missing}"
    assert len(paths) > 400  # every app's API and admin, not a handful
    root = _session_client(_user("root", is_staff=True, is_superuser=True))
    not_found = []
    for route in routes():
        if route.template.startswith(VENDOR_PREFIX) or not route.template.startswith(
            ("api/", "admin/")
        ):
            continue
        if not set(route.parameters) & {"pk", "object_id", "id"} or "format" in route.parameters:
            continue
        actions = getattr(route.callback, "actions", None)
        if actions is not None and "get" not in actions:
            continue
        if route.template.endswith(("/delete/", "/history/")) or "/r/" in route.template:
            continue
        path = route.path(_values(route, missing))
        response = root.get(path)
        if response.status_code in (404,) or response.status_code >= 500:
            not_found.append(f"GET {path} -> {response.status_code}")
    assert not not_found, "\n".join(not_found)


def test_a_vendor_user_is_refused_on_every_route_outside_vendor(estate):
    vendor_user = _vendor_user(estate["alpha"], "alpha-user")
    paths, _missing = _guarded_paths()
    api_paths = [p for p in paths if p[0].startswith("/api/")]
    admin_paths = [p for p in paths if p[0].startswith("/admin/")]
    offenders = _offenders(_token_client(vendor_user), api_paths)
    offenders += _offenders(_session_client(vendor_user), admin_paths)
    assert not offenders, f"{len(offenders)} responses to a vendor's user:\n" + "\n".join(offenders)


def test_a_user_without_permissions_is_refused_on_every_route(estate):
    nobody = _user("nobody")
    paths, _missing = _guarded_paths()
    api_paths = [p for p in paths if p[0].startswith("/api/")]
    admin_paths = [p for p in paths if p[0].startswith("/admin/")]
    offenders = _offenders(_token_client(nobody), api_paths)
    offenders += _offenders(_session_client(nobody), admin_paths)
    assert not offenders, f"{len(offenders)} responses to a user without permissions:\n" + (
        "\n".join(offenders)
    )


def test_vendor_b_gets_404_on_every_route_of_vendor_a_objects(estate):
    """Under /vendor/, BETA's token on ALPHA's objects: 404 for every method."""
    beta = _token_client(_vendor_user(estate["beta"], "beta-user"))
    alpha = _token_client(_vendor_user(estate["alpha"], "alpha-user"))
    objects_a = estate["objects_a"]
    offenders, walked = [], 0
    for route in routes():
        if not route.template.startswith(VENDOR_PREFIX) or "pk" not in route.parameters:
            continue
        if "format" in route.parameters:
            continue  # the same views as the plain routes
        basename = route.callback.initkwargs["basename"]
        path = route.path({"pk": str(objects_a[basename])})
        assert resolves_to(route, path)
        # Methods the route does not serve are 405 before any object is looked up.
        actions = set(route.callback.actions)
        for method in sorted(actions | ({"head"} if "get" in actions else set())):
            walked += 1
            response = _call(beta, method, path)
            if response.status_code != 404:
                offenders.append(f"{method.upper()} {path} -> {response.status_code}")
        if "get" in route.callback.actions:
            # ALPHA's own token finds the same object: the 404s above are not an accident.
            assert alpha.get(path).status_code == 200, path
    assert walked >= 14  # 9 object routes of five viewsets, HEAD with every GET
    assert not offenders, "\n".join(offenders)

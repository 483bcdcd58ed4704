"""The access defects found by probing, each as its own test, and the rule for legitimate users.

Before: a vendor's token and a user without permissions read production orders (standard costs,
estimates, another vendor's service price) because GET asked for nothing; a vendor's user made
staff reached the admin.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.test import APIClient, force_authenticate
from rest_framework.views import APIView

from mfgcost.core.permissions import is_outside_user
from subcontracting.models import VendorUser

pytestmark = pytest.mark.django_db

ORDER_READS = ("", "components/", "operations/", "outputs/", "estimate/", "progress/")


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _vendor_user(gear, username="alpha-user", **flags):
    user = get_user_model().objects.create_user(username, password="pw", **flags)
    VendorUser.objects.create(user=user, vendor=gear.vendor)
    return user


@pytest.mark.parametrize("read", ORDER_READS)
def test_a_vendor_token_cannot_read_production_orders(gear, read):
    order = gear.released("PO-1")
    client = _token_client(_vendor_user(gear))
    assert client.get("/api/production/orders/").status_code == 403
    response = client.get(f"/api/production/orders/{order.pk}/{read}")
    assert response.status_code == 403
    assert b"PO-1" not in response.content


@pytest.mark.parametrize("read", ORDER_READS)
def test_a_user_without_permissions_cannot_read_production_orders(gear, read):
    order = gear.released("PO-1")
    nobody = get_user_model().objects.create_user("nobody", password="pw")
    client = _token_client(nobody)
    assert client.get("/api/production/orders/").status_code == 403
    assert client.get(f"/api/production/orders/{order.pk}/{read}").status_code == 403


def test_the_view_permission_opens_the_reads_but_not_the_postings(gear):
    order = gear.released("PO-1")
    reader = get_user_model().objects.create_user("reader", password="pw")
    reader.user_permissions.add(Permission.objects.get(codename="view_productionorder"))
    client = _token_client(reader)
    for read in ORDER_READS:
        if read == "progress/":
            continue  # needs its query parameters; its permission is the same as the others'
        assert client.get(f"/api/production/orders/{order.pk}/{read}").status_code == 200, read
    assert client.options("/api/production/orders/").status_code == 200
    posted = client.post(
        f"/api/production/orders/{order.pk}/output/",
        {"quantity": "1", "posting_date": "2026-03-03", "source_key": "api:p"},
        format="json",
    )
    assert posted.status_code == 403


def test_options_needs_the_view_permission(gear):
    nobody = get_user_model().objects.create_user("nobody", password="pw")
    assert _token_client(nobody).options("/api/production/orders/").status_code == 403


def test_a_vendor_user_flagged_superuser_is_still_only_a_vendor(gear):
    """The vendor link wins over is_staff / is_superuser, on the API and in the admin."""
    order = gear.released("PO-1")
    user = _vendor_user(gear, is_staff=True, is_superuser=True)
    assert is_outside_user(user)
    client = _token_client(user)
    assert client.get(f"/api/production/orders/{order.pk}/operations/").status_code == 403
    assert client.get("/api/ledger/accounts/").status_code == 403
    assert client.get("/api/subcontracting/orders/").status_code == 403
    assert client.get("/api/schema/").status_code == 403
    # Its own routes still answer.
    assert client.get("/api/subcontracting/vendor/orders/").status_code == 200
    session = Client()
    session.force_login(user)
    assert session.get("/admin/").status_code == 403
    assert session.get("/admin/production/productionorder/").status_code == 403
    assert session.get("/admin/login/").status_code == 403


def test_a_vendor_user_cannot_sign_in_to_the_admin(gear):
    _vendor_user(gear, is_staff=True, is_superuser=True)
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "alpha-user", "password": "pw"}
    )
    assert response.status_code == 200  # the form again, with the error
    assert "_auth_user_id" not in client.session
    assert b"business partner" in response.content


def test_staff_sign_in_to_the_admin_as_before(gear):
    get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": "pw"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    # Anonymous visitors are still sent to the login page.
    assert Client().get("/admin/").status_code == 302


def test_the_schema_and_docs_are_for_staff(db):
    nobody = get_user_model().objects.create_user("nobody", password="pw")
    staff = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    assert APIClient().get("/api/schema/").status_code in (401, 403)
    assert _token_client(nobody).get("/api/schema/").status_code == 403
    client = APIClient()
    client.force_login(staff)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_a_view_that_declares_no_permission_is_refused(rf, db):
    """Fail closed: a view with neither a model nor declared permissions lets nobody in."""

    class Undeclared(APIView):
        def get(self, request):
            return Response({"secret": 1})

    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    request = rf.get("/x/")
    force_authenticate(request, user=root)
    assert Undeclared.as_view()(request).status_code == 403

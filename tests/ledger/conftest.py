"""Fixtures of the general ledger tests: a bookkeeper with API access, dimensions."""

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.test import APIClient

from ledger.models import CostCenter, CostObject

BOOKKEEPER_PERMISSIONS = [
    "view_account",
    "add_account",
    "change_account",
    "delete_account",
    "view_costcenter",
    "view_costobject",
    "view_journal",
    "view_fiscalyear",
    "add_fiscalyear",
    "view_period",
    "change_period",
    "view_journalentry",
    "add_journalentry",
]


@pytest.fixture
def bookkeeper(db):
    """A staff user holding exactly the ledger permissions the API asks for."""
    user = User.objects.create_user("bookkeeper", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="ledger", codename__in=BOOKKEEPER_PERMISSIONS
        )
    )
    return user


@pytest.fixture
def api(bookkeeper):
    client = APIClient()
    client.force_authenticate(bookkeeper)
    return client


@pytest.fixture
def assembly(db):
    return CostCenter.objects.create(code="ASSEMBLY", name="Assembly")


@pytest.fixture
def pump(db):
    return CostObject.objects.create(code="PUMP", name="Pump P-100")

"""Fixtures for the inventory tests."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from .support import Postings


@pytest.fixture
def post(company):
    return Postings(company)


@pytest.fixture
def vendor_location(company):
    from mfgcost.company import vendor_location_create

    return vendor_location_create(code="VEND-1", name="Heat treater", company=company)


@pytest.fixture
def second_warehouse(company):
    from mfgcost.inventory.models import Location

    return Location.objects.create(code="EAST", name="East warehouse")


@pytest.fixture
def api(db):
    user = get_user_model().objects.create_superuser("clerk", "clerk@example.com", None)
    client = APIClient()
    client.force_authenticate(user)
    return client

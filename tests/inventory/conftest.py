"""Fixtures for the inventory tests."""

import pytest

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

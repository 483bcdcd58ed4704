"""Fixtures and factories shared by every test module."""

import datetime as dt
from decimal import Decimal

import factory
import pytest

from mfgcost.company import company_setup
from mfgcost.items.models import Item

D = Decimal
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def company(db):
    """The standard company with fiscal year 2026 (all periods open)."""
    return company_setup(year_start=dt.date(2026, 1, 1))


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    number = factory.Sequence(lambda n: f"ITEM-{n:04d}")
    description = factory.LazyAttribute(lambda o: f"Item {o.number}")
    costing_method = Item.CostingMethod.FIFO


@pytest.fixture
def make_item(company):
    """Build an item in the company: ``make_item(costing_method="average", standard_cost=...)``."""

    def make(**kwargs) -> Item:
        kwargs.setdefault("base_unit", company.units["pcs"])
        kwargs.setdefault("posting_group", company.groups["RAW"])
        kwargs.setdefault("cost_group", company.cost_groups["MAT"])
        if "standard_cost" in kwargs:
            kwargs.setdefault("unit_cost", kwargs["standard_cost"])
        return ItemFactory(**kwargs)

    return make


@pytest.fixture
def tasks_in_process():
    """Run Celery tasks in the calling process for this test, whether or not a broker is set.

    CI sets ``CELERY_BROKER_URL``, so without this a ``delay()`` would go to a broker that no
    worker in the test run listens on. The test with a real worker is in ``tests/costing``.
    """
    from mfgcost.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def api(db):
    """An API client signed in as a superuser (modules that test permissions make their own)."""
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    user = get_user_model().objects.create_superuser("clerk", "clerk@example.com", "pw")
    client = APIClient()
    client.force_authenticate(user)
    return client

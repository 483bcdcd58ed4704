"""Fixtures for the Adjust Cost tests (helpers in ``tests.scenarios.support``)."""

import pytest

from tests.scenarios.conftest import bracket  # noqa: F401  (the worked case)
from tests.scenarios.support import Postings


@pytest.fixture
def post(company):
    return Postings(company)


@pytest.fixture
def east(company):
    from mfgcost.inventory.models import Location

    return Location.objects.create(code="EAST", name="East warehouse")


@pytest.fixture
def finished_bracket(bracket, post):  # noqa: F811 (the fixture)
    """The bracket order of the worked case, finished, not yet adjusted."""
    post.receipt(bracket.steel, "30", "5.20", day=1)
    post.receipt(bracket.paint, "10", "3.00", day=1)
    order = post.release(bracket.item, "10", "PO-1", day=2)
    post.consume(order, bracket.steel, "21")
    post.consume(order, bracket.paint, "10")
    post.time(order, setup="1.5", run="5.5")
    post.output(order, "10")
    return post.finish(order)

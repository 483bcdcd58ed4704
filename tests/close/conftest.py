"""Fixtures for the close: the bracket of the worked case, a March with one finished order."""

import datetime as dt

import pytest

from ledger.models import Period
from tests.scenarios.conftest import bracket  # noqa: F401  (the worked case)
from tests.scenarios.support import Postings


@pytest.fixture
def post(company):
    return Postings(company)


@pytest.fixture
def march_period(company):
    return Period.objects.get(start_date=dt.date(2026, 3, 1))


@pytest.fixture
def small_month(bracket, post):  # noqa: F811 (the fixture)
    """March: steel and paint received, the bracket order PO-1 made and finished, not adjusted.

    Actual: steel 21 x 5.20 = 109.20, paint 10 x 3.00 = 30.00, labour (1.5 + 5.5) h x 20.00 =
    140.00, capacity overhead 25 % = 35.00, manufacturing overhead 10 % of 139.20 = 13.92:
    328.12 against 10 x 29.30 = 293.00 at standard, a variance of 35.12.
    """
    post.receipt(bracket.steel, "30", "5.20", day=1)
    post.receipt(bracket.paint, "10", "3.00", day=1)
    order = post.release(bracket.item, "10", "PO-1", day=2)
    post.consume(order, bracket.steel, "21")
    post.consume(order, bracket.paint, "10")
    post.time(order, setup="1.5", run="5.5")
    post.output(order, "10")
    return post.finish(order)


@pytest.fixture
def close_now(tasks_in_process, django_capture_on_commit_callbacks):
    """Start (or resume) a close and run its chain in this process, as the worker would."""
    from mfgcost.close.services import close_run_start

    def run(period, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            close_run = close_run_start(period=period, **kwargs)
        close_run.refresh_from_db()
        return close_run

    return run

"""A state machine over postings: random sequences of receipts, invoices, sales, transfers,
production consumption, time and output, finishes, back-dated entries, Adjust Cost runs and a
period close, with the rules that always hold checked after every step:

* the trial balance sums to zero;
* each inventory and WIP account equals its ledgers (the reconciliation: no difference, no
  cause);
* zero quantity has zero value, per item and location;
* a closed period receives nothing (a posting into it is refused, and nothing changed).

A step the services refuse (a quantity not in stock, an order not released, a closed period)
must change nothing. The company is fixed: the bracket of the worked case (a standard-cost
product with a FIFO and a standard-cost component, one routing operation), an average-cost
item, and a second warehouse. Each example runs in a savepoint rolled back at its end.

Profiles (``MFGCOST_HYPOTHESIS_PROFILE``): ``ci`` (default, derandomized, a few seconds of
steps) and ``long`` (``make fuzz-ledger``).
"""

import datetime as dt
import itertools
import os
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ledger.models import JournalEntry, Period
from ledger.selectors import trial_balance
from ledger.services import period_close
from mfgcost.core.errors import BusinessError
from mfgcost.costing.services import adjust_cost_run
from mfgcost.inventory import services as inventory
from mfgcost.inventory.models import ItemLedgerEntry, ValueEntry
from mfgcost.inventory.selectors import inventory_valuation, reconciliation
from mfgcost.production import services as production
from mfgcost.production.models import ProductionOrder

D = Decimal
pytestmark = pytest.mark.django_db

PROFILES = {
    "ci": {"max_examples": 12, "stateful_step_count": 20, "derandomize": True},
    "long": {"max_examples": 200, "stateful_step_count": 50},
}
PROFILE = os.environ.get("MFGCOST_HYPOTHESIS_PROFILE", "ci")
FIRST_DAY = dt.date(2026, 3, 1)

days = st.integers(min_value=1, max_value=60).map(lambda n: FIRST_DAY + dt.timedelta(days=n - 1))
quantities = st.integers(min_value=1, max_value=12).map(D)
prices = st.sampled_from([D("0.97"), D("1.00"), D("3.33"), D("5.20"), D("7.01")])


def counts() -> tuple[int, int, int]:
    return (
        ItemLedgerEntry.objects.count(),
        ValueEntry.objects.count(),
        JournalEntry.objects.count(),
    )


class Postings(RuleBasedStateMachine):
    """Set ``company``, ``bracket``, ``oil`` and ``east`` on the class before running."""

    company = bracket = oil = east = None
    steps = 0
    examples = 0
    refused = 0

    receipts = Bundle("receipts")
    orders = Bundle("orders")

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.keys = itertools.count(1)
        self.closed: tuple[Period, tuple[int, int]] | None = None
        type(self).examples += 1

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # ------------------------------------------------------------------ helpers

    def key(self, kind: str) -> str:
        return f"fsm:{kind}:{next(self.keys)}"

    def attempt(self, post):
        """Run a posting; a refusal must leave every ledger as it was."""
        type(self).steps += 1
        before = counts()
        try:
            return post()
        except BusinessError:
            type(self).refused += 1
            assert counts() == before
            return None

    def items(self):
        return st.sampled_from([self.bracket.steel, self.bracket.paint, self.oil])

    # ------------------------------------------------------------------ inventory

    @rule(
        target=receipts,
        which=st.integers(0, 2),
        quantity=quantities,
        price=prices,
        day=days,
        at_east=st.booleans(),
    )
    def receipt(self, which, quantity, price, day, at_east):
        item = [self.bracket.steel, self.bracket.paint, self.oil][which]
        result = self.attempt(
            lambda: inventory.purchase_receipt_post(
                item=item,
                location=self.east if at_east else self.company.main,
                quantity=quantity,
                unit_cost=price,
                posting_date=day,
                source_key=self.key("receipt"),
            )
        )
        return result.item_entries[0] if result is not None else None

    @rule(receipt=receipts, price=prices, day=days)
    def invoice(self, receipt, price, day):
        if receipt is None:
            return
        self.attempt(
            lambda: inventory.purchase_invoice_post(
                receipt_entry=receipt,
                quantity=receipt.quantity,
                unit_price=price,
                posting_date=max(day, receipt.posting_date),
                source_key=f"fsm:invoice:{receipt.pk}",  # once per receipt
            )
        )

    @rule(which=st.integers(0, 2), quantity=quantities, day=days, at_east=st.booleans())
    def sale(self, which, quantity, day, at_east):
        item = [self.bracket.steel, self.bracket.paint, self.oil][which]
        self.attempt(
            lambda: inventory.sale_post(
                item=item,
                location=self.east if at_east else self.company.main,
                quantity=quantity,
                posting_date=day,
                source_key=self.key("sale"),
            )
        )

    @rule(which=st.integers(0, 2), quantity=quantities, day=days, to_east=st.booleans())
    def transfer(self, which, quantity, day, to_east):
        item = [self.bracket.steel, self.bracket.paint, self.oil][which]
        main, east = self.company.main, self.east
        self.attempt(
            lambda: inventory.transfer_post(
                item=item,
                from_location=main if to_east else east,
                to_location=east if to_east else main,
                quantity=quantity,
                posting_date=day,
                source_key=self.key("transfer"),
            )
        )

    # ------------------------------------------------------------------ production

    @rule(target=orders, quantity=st.integers(1, 5).map(D), day=days)
    def release(self, quantity, day):
        number = f"FSM-{next(self.keys)}"

        def post():
            order = production.production_order_create(
                number=number,
                item=self.bracket.item,
                quantity=quantity,
                location=self.company.main,
                due_date=day + dt.timedelta(days=10),
            )
            return production.production_order_release(
                order=order, posting_date=day, source_key=self.key("release")
            )

        return self.attempt(lambda: transaction.atomic()(post)())

    @rule(order=orders, which=st.integers(0, 2), quantity=quantities, day=days)
    def consume(self, order, which, quantity, day):
        if order is None:
            return
        item = [self.bracket.steel, self.bracket.paint, self.oil][which]
        self.attempt(
            lambda: production.production_consumption_post(
                order=order,
                item=item,
                quantity=quantity,
                posting_date=day,
                source_key=self.key("consume"),
            )
        )

    @rule(order=orders, hours=st.sampled_from([D("0.5"), D("1.25"), D("3")]), day=days)
    def time(self, order, hours, day):
        if order is None:
            return
        self.attempt(
            lambda: production.production_time_post(
                order=order,
                operation_no=10,
                setup_time=D("0"),
                run_time=hours,
                posting_date=day,
                source_key=self.key("time"),
            )
        )

    @rule(order=orders, quantity=st.integers(1, 3).map(D), day=days)
    def output(self, order, quantity, day):
        if order is None:
            return
        self.attempt(
            lambda: production.production_output_post(
                order=order,
                quantity=quantity,
                posting_date=day,
                source_key=self.key("output"),
            )
        )

    @rule(order=orders, day=days)
    def finish(self, order, day):
        if order is None:
            return
        self.attempt(
            lambda: production.production_order_finish(
                order=ProductionOrder.objects.get(pk=order.pk),
                posting_date=day,
                source_key=self.key("finish"),
            )
        )

    # ------------------------------------------------------------------ jobs

    @rule()
    def adjust_cost(self):
        type(self).steps += 1
        result = adjust_cost_run()
        assert not result.errors, result.errors

    @precondition(lambda self: self.closed is None)
    @rule()
    def close_march(self):
        type(self).steps += 1
        march = Period.objects.get(start_date=FIRST_DAY)
        period_close(period=march)
        self.closed = (march, self.in_closed_period())

    @precondition(lambda self: self.closed is not None)
    @rule(which=st.integers(0, 2), quantity=quantities, day=st.integers(1, 31))
    def post_into_the_closed_period(self, which, quantity, day):
        item = [self.bracket.steel, self.bracket.paint, self.oil][which]
        before = counts()
        with pytest.raises(BusinessError) as refused:
            inventory.purchase_receipt_post(
                item=item,
                location=self.company.main,
                quantity=quantity,
                unit_cost=D("1.00"),
                posting_date=dt.date(2026, 3, day),
                source_key=self.key("closed"),
            )
        assert refused.value.field == "posting_date"
        assert counts() == before

    def in_closed_period(self) -> tuple[int, int]:
        march = self.closed[0] if self.closed else Period.objects.get(start_date=FIRST_DAY)
        return (
            JournalEntry.objects.filter(period=march).count(),
            ValueEntry.objects.filter(
                posting_date__range=(march.start_date, march.end_date)
            ).count(),
        )

    # ------------------------------------------------------------------ invariants

    @invariant()
    def trial_balance_is_zero(self):
        assert sum((row.balance for row in trial_balance()), D("0")) == D("0")

    @invariant()
    def inventory_and_wip_accounts_equal_their_ledgers(self):
        for row in reconciliation():
            assert row["difference"] == 0 and not row["causes"], row

    @invariant()
    def zero_quantity_has_zero_value(self):
        for row in inventory_valuation(include_empty=True):
            if row["quantity"] == 0:
                assert row["value"] == 0, row

    @invariant()
    def a_closed_period_receives_nothing(self):
        if self.closed is not None:
            assert self.in_closed_period() == self.closed[1]


def test_postings_keep_the_rules_after_every_step(company, bracket, make_item, east):
    # The scenario bracket has its standard cost rolled up and active; give it stock to use.
    from tests.costing.test_ledger_state_machine import Postings as Machine

    Machine.company = company
    Machine.bracket = bracket
    Machine.oil = make_item(number="OIL", costing_method="average", base_unit=company.units["l"])
    Machine.east = east
    Machine.steps = Machine.examples = Machine.refused = 0
    run_state_machine_as_test(
        Machine,
        settings=settings(
            deadline=None,
            suppress_health_check=list(HealthCheck),
            **PROFILES[PROFILE],
        ),
    )
    print(
        f"\nstate machine ({PROFILE}): {Machine.examples} examples, {Machine.steps} steps "
        f"({Machine.refused} refused as they should be), 0 violations"
    )
    assert Machine.examples > 0 and Machine.steps > Machine.examples

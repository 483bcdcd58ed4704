"""The backflush arithmetic on plain Decimals."""

from decimal import Decimal

from mfgcost.lean.backflush import (
    OpenTransaction,
    Settlement,
    fifo_settle,
    net_usage,
    outsourcing_split,
    wip_variances,
)

D = Decimal


def test_fifo_settles_oldest_first_and_splits_where_usage_ends():
    transactions = [
        OpenTransaction(1, D("100"), D("1000.00")),
        OpenTransaction(2, D("30"), D("100.00")),  # 3.333... a unit
        OpenTransaction(3, D("50"), D("500.00")),
    ]
    # usage 110: all of 1, then 10 of 2's 30: 10 / 30 x 100.00 = 33.33 (rounded half up)
    assert fifo_settle(transactions, D("110")) == [
        Settlement(1, D("100"), D("1000.00"), False),
        Settlement(2, D("10"), D("33.33"), True),
    ]
    # the rest of 2 is 20 at 100.00 - 33.33 = 66.67: settled later it takes exactly that
    assert fifo_settle([OpenTransaction(2, D("20"), D("66.67"))], D("20")) == [
        Settlement(2, D("20"), D("66.67"), False)
    ]
    assert fifo_settle(transactions, D("0")) == []


def test_net_usage_is_never_negative():
    assert net_usage(D("400"), D("100")) == D("300")
    assert net_usage(D("50"), D("100")) == D("0")


def test_variances_and_outsourcing_split():
    balances = {(1, 7): D("1200.00"), (2, None): D("40.00"), (3, None): D("0.00")}
    targets = {(1, 7): D("1000.00")}
    assert wip_variances(balances, targets) == {(1, 7): D("200.00"), (2, None): D("40.00")}
    # 1,470.00 bought against 1,400.00 relieved, all of it price: (10.50 - 10.00) x 140
    assert outsourcing_split(D("70.00"), D("70.00")) == {"price": D("70.00")}
    # 150 bought at 10.50 (1,575.00), 140 relieved (1,400.00): price 75.00, usage 100.00
    assert outsourcing_split(D("175.00"), D("75.00")) == {
        "price": D("75.00"),
        "quantity": D("100.00"),
    }

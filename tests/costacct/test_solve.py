"""The exact solve with plain Decimals: no database."""

from decimal import Decimal
from fractions import Fraction

import pytest

from mfgcost.costacct.solve import ALLOCATION, DISTRIBUTION, RuleSpec, SolveError, round_cent, solve

D = Decimal
COST = "6100"  # one primary category for the reciprocal case
PRIMARY = {
    ("IT", COST): D("10000"),
    ("HR", COST): D("6000"),
    ("MILL", COST): D("20000"),
    ("ASSY", COST): D("15000"),
}


def it_rule(kind=DISTRIBUTION):
    extra = (
        {"allocation_category": "SVC", "offset_category": "SVC-OFF"} if kind == ALLOCATION else {}
    )
    return RuleSpec(
        "IT", kind, "IT", (("HR", D("20")), ("MILL", D("50")), ("ASSY", D("30"))), **extra
    )


def hr_rule(kind=DISTRIBUTION):
    extra = (
        {"allocation_category": "SVC", "offset_category": "SVC-OFF"} if kind == ALLOCATION else {}
    )
    return RuleSpec(
        "HR", kind, "HR", (("IT", D("10")), ("MILL", D("40")), ("ASSY", D("50"))), **extra
    )


def balances(solution, primary=PRIMARY):
    totals = {}
    for (node, _), amount in primary.items():
        totals[node] = totals.get(node, D("0")) + amount
    for posting in solution.postings:
        totals[posting.node] = totals.get(posting.node, D("0")) + posting.amount
    return totals


@pytest.mark.parametrize("kind", [DISTRIBUTION, ALLOCATION])
@pytest.mark.parametrize("order", ["it_first", "hr_first"])
def test_reciprocal_service_centres_solve_exactly_in_any_order(kind, order):
    rules = [it_rule(kind), hr_rule(kind)]
    if order == "hr_first":
        rules.reverse()
    solution = solve(PRIMARY, rules)
    # x_IT = 10,000 + 0.1 x_HR and x_HR = 6,000 + 0.2 x_IT
    # => x_IT = 10,600 / 0.98 = 10,816.326530..., x_HR = 6,000 + 0.2 x_IT = 8,163.265306...
    assert solution.totals[("IT", None if kind == ALLOCATION else COST)] == Fraction(
        10600
    ) / Fraction("0.98")
    result = balances(solution)
    # MILL = 20,000 + 0.5 x 10,816.3265 + 0.4 x 8,163.2653 = 28,673.4694 -> 28,673.47
    assert result["MILL"] == D("28673.47")
    # ASSY = 15,000 + 0.3 x 10,816.3265 + 0.5 x 8,163.2653 = 22,326.5306 -> 22,326.53
    assert result["ASSY"] == D("22326.53")
    assert result["MILL"] + result["ASSY"] == D("51000.00")
    # The service centres end empty: IT gets 816.33 from HR and sends 10,816.33.
    assert result["IT"] == D("0.00")
    assert result["HR"] == D("0.00")
    assert solution.largest_component == (2 if kind == ALLOCATION else 2)


def test_direct_method_ignores_service_between_service_centres():
    # IT: MILL 50/(50+30) x 10,000 = 6,250.00; ASSY 3,750.00
    # HR: MILL 40/(40+50) x 6,000 = 2,666.67; ASSY 3,333.33
    rules = [
        RuleSpec("IT", DISTRIBUTION, "IT", (("MILL", D("50")), ("ASSY", D("30")))),
        RuleSpec("HR", DISTRIBUTION, "HR", (("MILL", D("40")), ("ASSY", D("50")))),
    ]
    result = balances(solve(PRIMARY, rules))
    assert result["MILL"] == D("28916.67")  # 20,000 + 6,250 + 2,666.67
    assert result["ASSY"] == D("22083.33")  # 15,000 + 3,750 + 3,333.33


def test_a_closed_loop_is_refused_naming_its_rules():
    rules = [
        RuleSpec("A-B", DISTRIBUTION, "A", (("B", D("100")),)),
        RuleSpec("B-A", DISTRIBUTION, "B", (("A", D("100")),)),
        RuleSpec("X-Y", DISTRIBUTION, "X", (("Y", D("100")),)),
    ]
    with pytest.raises(SolveError) as error:
        solve({("A", "c"): D("1"), ("X", "c"): D("5")}, rules)
    assert error.value.rules == ["A-B", "B-A"]
    assert "A-B, B-A" in str(error.value)


def test_two_rules_on_the_same_cost_are_refused():
    rules = [
        RuleSpec("R1", DISTRIBUTION, "A", (("B", D("1")),)),
        RuleSpec("R2", DISTRIBUTION, "A", (("C", D("1")),)),
    ]
    with pytest.raises(SolveError) as error:
        solve({("A", "c"): D("1")}, rules)
    assert error.value.rules == ["R1", "R2"]


def test_each_rule_conserves_its_total_with_the_residue_on_the_last_share():
    # 100.00 in three equal shares: 33.33, 33.33 and the residue 33.34.
    rule = RuleSpec("THIRDS", DISTRIBUTION, "A", (("B", D("1")), ("C", D("1")), ("E", D("1"))))
    postings = solve({("A", "c"): D("100")}, [rule]).postings
    assert [(p.node, p.amount) for p in postings] == [
        ("A", D("-100.00")),
        ("B", D("33.33")),
        ("C", D("33.33")),
        ("E", D("33.34")),
    ]


def test_round_cent_is_exact_half_up():
    assert round_cent(Fraction(1, 200)) == D("0.01")  # 0.005 -> 0.01
    assert round_cent(Fraction(-1, 200)) == D("-0.01")
    assert round_cent(Fraction(1, 300)) == D("0.00")
    assert round_cent(Fraction(2 * 10**20 + 1, 3)) == D("66666666666666666667.00") / 1

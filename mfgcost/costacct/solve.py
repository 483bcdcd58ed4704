"""The exact solve of a period calculation: pure arithmetic, no database.

A rule takes the balance of its sender (a cost centre or cost object) in the categories it
covers and passes it on to receivers by weights. A **distribution** keeps each category; an
**allocation** credits the sender on its offset category and debits the receivers on its
allocation (secondary) category. What a rule passes on includes what other rules sent to its
sender in those categories, so rules that feed each other (reciprocal service centres, a loop,
a chain of cost objects) form one linear system::

    x_v = primary_v + sum over rules s feeding v of  weight(s -> sender(v)) * x_s

with one unknown per allocation rule and per (distribution rule, category). The system is
sparse: it is split into strongly connected components, solved one at a time in topological
order, a component of one unknown by substitution and a larger one by Gaussian elimination on
``Fraction``s. No float is involved anywhere. A component whose matrix is singular (a loop that
keeps all of its cost inside itself) is refused, naming its rules.

Each rule's total is rounded once, to the cent, and so is each receiver's share of the exact total;
the last receiver takes the residue, so every rule conserves its rounded total exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
DISTRIBUTION = "distribution"
ALLOCATION = "allocation"

Node = Hashable  # a sender or receiver: ("cc", id) or ("co", id) in the services
Category = Hashable


class SolveError(ValueError):
    """The rules cannot be solved; ``rules`` names the ones at fault."""

    def __init__(self, message: str, rules: Sequence[str]) -> None:
        super().__init__(message)
        self.rules = list(rules)


@dataclass(frozen=True)
class RuleSpec:
    """One rule. ``categories`` None means every category at the sender no other rule takes."""

    code: str
    kind: str
    sender: Node
    receivers: tuple[tuple[Node, Decimal], ...]
    categories: frozenset | None = None
    allocation_category: Category | None = None
    offset_category: Category | None = None


@dataclass(frozen=True)
class Posting:
    """One calculated amount: a rule's outflow at its sender (negative) or a receiver's share."""

    rule: str
    node: Node
    category: Category
    amount: Decimal
    source_amount: Decimal
    share: Fraction
    sender_side: bool


@dataclass
class Solution:
    postings: list[Posting] = field(default_factory=list)
    totals: dict[tuple[str, Category | None], Fraction] = field(default_factory=dict)
    components: int = 0
    largest_component: int = 0


def round_cent(value: Fraction | Decimal) -> Decimal:
    """Round half up to the cent, from an exact value."""
    if isinstance(value, Decimal):
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    # Exact: scale to cents, round half away from zero with integer arithmetic.
    scaled = value * 100
    sign = -1 if scaled < 0 else 1
    numerator, denominator = abs(scaled.numerator), scaled.denominator
    cents = (2 * numerator + denominator) // (2 * denominator)
    return (Decimal(sign * cents) / 100).quantize(CENT)


def _check(rules: Sequence[RuleSpec]) -> None:
    seen: set[str] = set()
    for rule in rules:
        if rule.code in seen:
            raise SolveError(f"Two rules are named {rule.code}.", [rule.code])
        seen.add(rule.code)
        if rule.kind not in (DISTRIBUTION, ALLOCATION):
            raise SolveError(f"Rule {rule.code}: unknown kind {rule.kind!r}.", [rule.code])
        if not rule.receivers:
            raise SolveError(f"Rule {rule.code} has no receivers.", [rule.code])
        if any(weight < 0 for _, weight in rule.receivers):
            raise SolveError(f"Rule {rule.code} has a negative share.", [rule.code])
        if sum((weight for _, weight in rule.receivers), Decimal(0)) <= 0:
            raise SolveError(f"Rule {rule.code}: its shares add up to zero.", [rule.code])
        if any(node == rule.sender for node, _ in rule.receivers):
            raise SolveError(f"Rule {rule.code} sends to its own sender.", [rule.code])
        if rule.kind == ALLOCATION and (
            rule.allocation_category is None or rule.offset_category is None
        ):
            raise SolveError(
                f"Allocation {rule.code} needs an allocation and an offset category.", [rule.code]
            )
    by_sender: dict[Node, list[RuleSpec]] = defaultdict(list)
    for rule in rules:
        by_sender[rule.sender].append(rule)
    for group in by_sender.values():
        for i, first in enumerate(group):
            for second in group[i + 1 :]:
                overlap = (
                    first.categories is None
                    and second.categories is None
                    or (
                        first.categories is not None
                        and second.categories is not None
                        and first.categories & second.categories
                    )
                )
                if overlap:
                    raise SolveError(
                        f"Rules {first.code} and {second.code} pass on the same cost of "
                        f"one sender.",
                        [first.code, second.code],
                    )


def _categories_at(
    primary: Mapping[tuple[Node, Category], Decimal], rules: Sequence[RuleSpec]
) -> dict[Node, set]:
    """Every category that can hold an amount at a node: primary ones and whatever flows in."""
    at: dict[Node, set] = defaultdict(set)
    taken = _taken(rules)
    for node, category in primary:
        at[node].add(category)
    changed = True
    while changed:
        changed = False
        for rule in rules:
            if rule.kind == ALLOCATION:
                flowing = {rule.allocation_category}
            else:
                flowing = _covered(rule, at[rule.sender], taken)
            for node, _ in rule.receivers:
                if not flowing <= at[node]:
                    at[node] |= flowing
                    changed = True
    return at


def _covered(rule: RuleSpec, present: set, taken: Mapping[Node, set]) -> set:
    """The categories at its sender a rule passes on (``taken``: named by rules, per sender)."""
    if rule.categories is not None:
        return set(rule.categories) & present
    return present - taken.get(rule.sender, set())


def _taken(rules: Sequence[RuleSpec]) -> dict[Node, set]:
    taken: dict[Node, set] = defaultdict(set)
    for rule in rules:
        if rule.categories is not None:
            taken[rule.sender] |= rule.categories
    return taken


def _strong_components(graph: Mapping[int, Iterable[int]], count: int) -> list[list[int]]:
    """Tarjan's algorithm, iterative; components come dependencies first."""
    index = [0] * count
    low = [0] * count
    on_stack = [False] * count
    visited = [False] * count
    stack: list[int] = []
    components: list[list[int]] = []
    counter = 1
    for root in range(count):
        if visited[root]:
            continue
        work = [(root, iter(graph.get(root, ())))]
        visited[root] = True
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if not visited[child]:
                    visited[child] = True
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack[child] = True
                    work.append((child, iter(graph.get(child, ()))))
                    advanced = True
                    break
                if on_stack[child]:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _gauss(matrix: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction] | None:
    """Solve ``matrix @ x = rhs`` exactly; None if the matrix is singular."""
    n = len(rhs)
    a = [row[:] + [rhs[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if a[r][col] != 0), None)
        if pivot is None:
            return None
        a[col], a[pivot] = a[pivot], a[col]
        p = a[col][col]
        row_c = a[col]
        for r in range(n):
            if r != col and a[r][col] != 0:
                factor = a[r][col] / p
                row_r = a[r]
                for k in range(col, n + 1):
                    if row_c[k]:
                        row_r[k] -= factor * row_c[k]
    return [a[i][n] / a[i][i] for i in range(n)]


def solve(primary: Mapping[tuple[Node, Category], Decimal], rules: Sequence[RuleSpec]) -> Solution:
    """Solve the rules over the primary balances (per node and category) and post them."""
    rules = list(rules)
    _check(rules)
    at = _categories_at(primary, rules)

    # Unknowns: (rule index, category) for distributions, (rule index, None) for allocations.
    unknowns: list[tuple[int, Category | None]] = []
    covered: list[set] = []
    taken = _taken(rules)
    for i, rule in enumerate(rules):
        cats = _covered(rule, at[rule.sender], taken)
        covered.append(cats)
        if rule.kind == ALLOCATION:
            unknowns.append((i, None))
        else:
            unknowns.extend((i, c) for c in sorted(cats, key=repr))
    position = {u: k for k, u in enumerate(unknowns)}

    # What flows into (node, category), as (coefficient, unknown) pairs.
    inflow: dict[tuple[Node, Category], list[tuple[Fraction, int]]] = defaultdict(list)
    for i, rule in enumerate(rules):
        total_weight = sum((Fraction(w) for _, w in rule.receivers), Fraction(0))
        for node, weight in rule.receivers:
            share = Fraction(weight) / total_weight
            if not share:
                continue
            if rule.kind == ALLOCATION:
                inflow[(node, rule.allocation_category)].append((share, position[(i, None)]))
            else:
                for c in covered[i]:
                    inflow[(node, c)].append((share, position[(i, c)]))

    constant: list[Fraction] = [Fraction(0)] * len(unknowns)
    depends: dict[int, list[tuple[Fraction, int]]] = defaultdict(list)
    for k, (i, category) in enumerate(unknowns):
        sender = rules[i].sender
        cats = covered[i] if category is None else {category}
        for c in cats:
            amount = primary.get((sender, c))
            if amount:
                constant[k] += Fraction(amount)
            depends[k].extend(inflow.get((sender, c), ()))

    graph = {k: [u for _, u in deps] for k, deps in depends.items()}
    value: list[Fraction | None] = [None] * len(unknowns)
    solution = Solution()
    for component in _strong_components(graph, len(unknowns)):
        solution.components += 1
        solution.largest_component = max(solution.largest_component, len(component))
        if len(component) == 1 and component[0] not in graph.get(component[0], ()):
            k = component[0]
            value[k] = constant[k] + sum(
                (coef * value[u] for coef, u in depends.get(k, ())), Fraction(0)
            )
            continue
        members = sorted(component)
        local = {k: j for j, k in enumerate(members)}
        size = len(members)
        matrix = [[Fraction(0)] * size for _ in range(size)]
        rhs = [Fraction(0)] * size
        for j, k in enumerate(members):
            matrix[j][j] += 1
            rhs[j] = constant[k]
            for coef, u in depends.get(k, ()):
                if u in local:
                    matrix[j][local[u]] -= coef
                else:
                    rhs[j] += coef * value[u]
        result = _gauss(matrix, rhs)
        if result is None:
            names = sorted({rules[unknowns[k][0]].code for k in members})
            raise SolveError(
                f"Rules {', '.join(names)} keep their cost in a closed loop: the system has "
                "no solution.",
                names,
            )
        for j, k in enumerate(members):
            value[k] = result[j]

    for k, (i, category) in enumerate(unknowns):
        solution.totals[(rules[i].code, category)] = value[k]
        solution.postings += _post(rules[i], category, value[k])
    return solution


def _post(rule: RuleSpec, category: Category | None, exact: Fraction) -> list[Posting]:
    total = round_cent(exact)
    if not total:
        return []
    out_category = rule.offset_category if rule.kind == ALLOCATION else category
    in_category = rule.allocation_category if rule.kind == ALLOCATION else category
    postings = [Posting(rule.code, rule.sender, out_category, -total, total, Fraction(-1), True)]
    total_weight = sum((Fraction(w) for _, w in rule.receivers), Fraction(0))
    receivers = [(node, Fraction(w) / total_weight) for node, w in rule.receivers if w]
    remaining = total
    for n, (node, share) in enumerate(receivers):
        amount = remaining if n == len(receivers) - 1 else round_cent(share * exact)
        remaining -= amount
        if amount:
            postings.append(Posting(rule.code, node, in_category, amount, total, share, False))
    return postings

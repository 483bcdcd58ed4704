"""Statement arithmetic: the formula of a calculated line. Pure, no database.

A formula is line codes and decimal numbers joined by ``+ - * /`` and parentheses, e.g.
``3_TC / 3_TO``. A division by zero, or a line without a value, gives no value (None).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?(?![A-Za-z_]))|(?P<name>[A-Za-z0-9_]+)|(?P<op>[-+*/()]))"
)


class FormulaError(ValueError):
    pass


def tokens(formula: str) -> list[tuple[str, str]]:
    position, out = 0, []
    formula = formula.strip()
    while position < len(formula):
        match = TOKEN.match(formula, position)
        if match is None or match.end() == position:
            raise FormulaError(f"Cannot read the formula at {formula[position:]!r}.")
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        position = match.end()
    if not out:
        raise FormulaError("The formula is empty.")
    return out


def names(formula: str) -> set[str]:
    return {value for kind, value in tokens(formula) if kind == "name"}


def evaluate(formula: str, values: Mapping[str, Decimal | None]) -> Decimal | None:
    """The formula's value over ``values`` (by line code)."""
    items = tokens(formula)
    position = 0

    def peek():
        return items[position] if position < len(items) else (None, None)

    def take():
        nonlocal position
        item = peek()
        position += 1
        return item

    def atom():
        kind, value = take()
        if kind == "number":
            return Decimal(value)
        if kind == "name":
            if value not in values:
                raise FormulaError(f"The formula names an unknown line {value}.")
            return values[value]
        if value == "-":
            inner = atom()
            return None if inner is None else -inner
        if value == "(":
            inner = expression()
            if take()[1] != ")":
                raise FormulaError("A parenthesis is not closed.")
            return inner
        raise FormulaError(f"Unexpected {value!r} in the formula.")

    def term():
        left = atom()
        while peek()[1] in ("*", "/"):
            op = take()[1]
            right = atom()
            if left is None or right is None:
                left = None
            elif op == "*":
                left = left * right
            else:
                try:
                    left = None if right == 0 else left / right
                except InvalidOperation:
                    left = None
        return left

    def expression():
        left = term()
        while peek()[1] in ("+", "-"):
            op = take()[1]
            right = term()
            left = (
                None
                if left is None or right is None
                else (left + right if op == "+" else left - right)
            )
        return left

    result = expression()
    if position != len(items):
        raise FormulaError(f"Unexpected {items[position][1]!r} in the formula.")
    return result

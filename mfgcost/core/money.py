"""Money and quantity arithmetic.

Every amount is a ``Decimal``. Amounts are rounded once, at the posting boundary, to the
currency's precision with ``round_amount``; unit costs and quantities keep six places. A float is
refused outright: a binary fraction cannot be an amount of money.
"""

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal("0")
CENT = Decimal("0.01")
SIX_PLACES = Decimal("0.000001")
# An amount is a DecimalField(20, 2): up to 18 digits before the point.
AMOUNT_LIMIT = Decimal(10) ** 18


def to_decimal(value: object) -> Decimal:
    """Return ``value`` as a Decimal; floats and non-numbers raise ``TypeError``/``ValueError``."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"{value!r} is not an exact number; use Decimal or str")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not a decimal number") from exc
        if not result.is_finite():
            raise ValueError(f"{value!r} is not a finite number")
        return result
    raise TypeError(f"{value!r} is not a decimal number")


def round_amount(value: Decimal) -> Decimal:
    """Round an amount to the currency's precision (half up, away from zero on .5)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def round_unit_cost(value: Decimal) -> Decimal:
    """Round a unit cost to six places."""
    return value.quantize(SIX_PLACES, rounding=ROUND_HALF_UP)


def round_quantity(value: Decimal) -> Decimal:
    """Round a quantity to six places."""
    return value.quantize(SIX_PLACES, rounding=ROUND_HALF_UP)


def split_amount(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights``; the last share takes the remainder.

    The shares are rounded to cents and always add up to ``total`` exactly.
    """
    if not weights:
        return []
    weight_sum = sum(weights, ZERO)
    if weight_sum == 0:
        raise ValueError("cannot split by weights that sum to zero")
    shares = [round_amount(total * w / weight_sum) for w in weights[:-1]]
    shares.append(total - sum(shares, ZERO))
    return shares


def amount_fits(value: Decimal) -> bool:
    """Whether ``value``, rounded to cents, fits an amount field (18 digits before the point)."""
    return abs(round_amount(value)) < AMOUNT_LIMIT

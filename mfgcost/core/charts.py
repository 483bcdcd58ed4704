"""Charts drawn on the server as inline SVG: stacked bars and lines.

The admin must work offline and without a build step, so charts are plain SVG markup made here
from the report's own figures: no script, no asset to serve. Every bar and point carries a
``<title>`` (its label and value, read out by screen readers and shown on hover), the chart has
an ``aria-label``, and a table of the same figures follows it for those who cannot see it.
Figures are Decimals; they become coordinates only here, rounded to a tenth of a pixel.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 680, 280
LEFT, RIGHT, TOP, BOTTOM = 72, 190, 16, 48
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1")


@dataclass(frozen=True)
class Series:
    name: str
    values: list[Decimal]
    colour: str


def _figure(value: Decimal) -> str:
    """Money at two places; a count (a whole Decimal without places) as it is."""
    exponent = Decimal(value).as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _step(span: Decimal) -> Decimal:
    """A round grid step (1, 2 or 5 times a power of ten) giving about four lines."""
    raw = span / 4
    magnitude = Decimal(10) ** raw.adjusted()
    for multiple in (1, 2, 5, 10):
        if multiple * magnitude >= raw:
            return multiple * magnitude
    return 10 * magnitude


def _scale(low: Decimal, high: Decimal):
    low, high = min(low, Decimal(0)), max(high, Decimal(0))
    if low == high:
        high = low + 1
    step = _step(high - low)
    low = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
    high = (high / step).to_integral_value(rounding=ROUND_CEILING) * step
    plot = HEIGHT - TOP - BOTTOM

    def y(value: Decimal) -> Decimal:
        # A pixel position, to a tenth of a pixel: Decimal like every figure it is drawn from.
        return (TOP + (high - value) / (high - low) * plot).quantize(Decimal("0.1"))

    return y, low, high, step


def _axis(y, low: Decimal, high: Decimal, step: Decimal) -> list[str]:
    parts = []
    value = low
    while value <= high:
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#ddd"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="11">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                y(value),
                y(value),
                LEFT - 6,
                y(value) + 4,
                _tick(value),
            )
        )
        value += step
    parts.append(
        format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#333"/>',
            LEFT,
            WIDTH - RIGHT,
            y(Decimal(0)),
            y(Decimal(0)),
        )
    )
    return parts


def _tick(value: Decimal) -> str:
    value = value.normalize()
    places = max(-value.as_tuple().exponent, 0) if isinstance(value.as_tuple().exponent, int) else 0
    return f"{value:,.{places}f}"


def _legend(series: list[Series]) -> list[str]:
    parts = []
    for index, one in enumerate(series):
        top = TOP + index * 18
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
                '<text x="{}" y="{}" font-size="12">{}</text>',
                WIDTH - RIGHT + 12,
                top,
                one.colour,
                WIDTH - RIGHT + 30,
                top + 10,
                one.name,
            )
        )
    return parts


def _label(x: float, text: str) -> str:
    return format_html(
        '<text x="{}" y="{}" text-anchor="middle" font-size="11">{}</text>',
        x,
        HEIGHT - BOTTOM + 16,
        text,
    )


def _wrap(title: str, parts: list[str], slug: str) -> SafeString:
    return format_html(
        '<figure class="report-chart" data-chart="{}"><figcaption>{}</figcaption>'
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" '
        'viewBox="0 0 {} {}" width="{}" height="{}"><title>{}</title>{}</svg></figure>',
        slug,
        title,
        title,
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        title,
        mark_safe("".join(parts)),  # noqa: S308 - every part was built by format_html
    )


def _data_table(categories: list[str], series: list[Series]) -> str:
    head = "".join(f"<th scope='col'>{escape(s.name)}</th>" for s in series)
    body = "".join(
        "<tr><th scope='row'>{}</th>{}</tr>".format(
            escape(category),
            "".join(f"<td class='number'>{_figure(s.values[i])}</td>" for s in series),
        )
        for i, category in enumerate(categories)
    )
    return (
        "<details class='chart-data'><summary>Chart figures</summary><table>"
        f"<thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table></details>"
    )


def stacked_bars(
    *, title: str, slug: str, categories: list[str], series: list[Series]
) -> SafeString:
    """One bar per category, the series stacked on it (negatives below the zero line)."""
    if not categories or not series:
        return SafeString("")
    tops = [sum((s.values[i] for s in series if s.values[i] > 0), Decimal(0)) for i in
            range(len(categories))]  # fmt: skip
    bottoms = [sum((s.values[i] for s in series if s.values[i] < 0), Decimal(0)) for i in
               range(len(categories))]  # fmt: skip
    y, low, high, step = _scale(min(bottoms), max(tops))
    parts = _axis(y, low, high, step)
    slot = (WIDTH - LEFT - RIGHT) / len(categories)
    bar = min(slot * 0.6, 60)
    for i, category in enumerate(categories):
        x = round(LEFT + slot * i + (slot - bar) / 2, 1)
        above, below = Decimal(0), Decimal(0)
        for one in series:
            value = one.values[i]
            if not value:
                continue
            start = above if value > 0 else below
            end = start + value
            if value > 0:
                above = end
            else:
                below = end
            top, bottom = sorted((y(start), y(end)))
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{} – {}: {}</title></rect>",
                    x,
                    top,
                    round(bar, 1),
                    max(round(bottom - top, 1), 0.5),
                    one.colour,
                    category,
                    one.name,
                    _figure(value),
                )
            )
        parts.append(_label(round(x + bar / 2, 1), category))
    parts.extend(_legend(series))
    return mark_safe(_wrap(title, parts, slug) + _data_table(categories, series))  # noqa: S308


def lines(*, title: str, slug: str, categories: list[str], series: list[Series]) -> SafeString:
    """One line per series across the categories (in order), a marked point per figure."""
    if not categories or not series:
        return SafeString("")
    values = [v for s in series for v in s.values]
    y, low, high, step = _scale(min(values), max(values))
    parts = _axis(y, low, high, step)
    step = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)

    def x(i: int) -> float:
        return round(LEFT + step * i + step / 2, 1)

    for one in series:
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(one.values))
        parts.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>',
                points,
                one.colour,
            )
        )
        for i, value in enumerate(one.values):
            parts.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="3.5" fill="{}"><title>{} – {}: {}</title></circle>',
                    x(i),
                    y(value),
                    one.colour,
                    categories[i],
                    one.name,
                    _figure(value),
                )
            )
    every = max(1, len(categories) // 10)
    for i, category in enumerate(categories):
        if i % every == 0:
            parts.append(_label(x(i), category))
    parts.extend(_legend(series))
    return mark_safe(_wrap(title, parts, slug) + _data_table(categories, series))  # noqa: S308

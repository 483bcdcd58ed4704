"""Rules for BOMs and routings that span rows, shared by the services, the admin and imports.

Each check raises a ``BusinessError`` naming the field at fault (``scrap_percent``, ``unit``,
``component``, ``valid_from``, ``cost_allocation_percent``); the API renders it as a 400, the
admin forms turn it into a form error on that field. The database constraints repeat what a
single row must satisfy; these checks give the readable message and cover what a constraint
cannot see (other rows, other versions, the whole BOM graph).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal

from mfgcost.core.constraints import violated_check_field  # noqa: F401 (used by services, admin)
from mfgcost.core.errors import BusinessError

from . import rollup as calc
from .models import BomVersion, Item, RoutingVersion, UnitOfMeasure
from .selectors import bom_edges, unit_conversions_for

HUNDRED = Decimal("100")


@contextmanager
def fields_under(prefix: str) -> Iterator[None]:
    """Name the fields of errors raised inside after a nested row: ``lines[2].unit``."""
    try:
        yield
    except BusinessError as error:
        if error.field == "non_field_errors":
            error.field = prefix
        else:
            error.field = f"{prefix}.{error.field}"
        raise


def scrap_percent_check(value: Decimal, *, context: str = "") -> None:
    if value is None or value < 0 or value >= HUNDRED:
        raise BusinessError(
            f"{context}scrap must be at least 0 % and below 100 % (got {value}).",
            field="scrap_percent",
        )


def validity_overlap_check(
    *,
    model: type[BomVersion] | type[RoutingVersion],
    item: Item,
    valid_from: dt.date,
    valid_to: dt.date | None,
    exclude_pk: int | None = None,
) -> None:
    """Versions of one item's BOM (or routing) may not be valid on the same day."""
    if valid_to is not None and valid_to < valid_from:
        raise BusinessError("The end of validity is before its start.", field="valid_to")
    others = model.objects.filter(item=item).exclude(pk=exclude_pk)
    if valid_to is not None:
        others = others.filter(valid_from__lte=valid_to)
    clash = others.exclude(valid_to__lt=valid_from).order_by("valid_from").first()
    if clash is not None:
        until = clash.valid_to.isoformat() if clash.valid_to else "open-ended"
        kind = "BOM" if model is BomVersion else "routing"
        raise BusinessError(
            f"The validity overlaps {kind} version {clash.version} of item {item} "
            f"({clash.valid_from.isoformat()} to {until}); versions of one item may not overlap.",
            field="valid_from",
            code="overlap",
        )


def unit_conversion_check(
    *,
    component: Item,
    unit: UnitOfMeasure,
    conversions: calc.UnitConversions | None = None,
    context: str = "",
) -> None:
    """A BOM line's unit must convert to the component's base unit."""
    if conversions is None:
        conversions = unit_conversions_for([component.pk])
    conversions.convert(
        Decimal("1"),
        item=component.number,
        from_unit=unit.code,
        to_unit=component.base_unit.code,
        context=context,
    )


def bom_cycle_check(
    *,
    item: Item,
    components: Iterable[Item],
    co_products: Iterable[Item] = (),
    exclude_bom_id: int | None = None,
) -> None:
    """Refuse a BOM whose components (directly or further down) need ``item`` itself.

    The graph is every other BOM version's lines (all dates) plus this BOM's; the error names
    the path, starting at ``item``.
    """
    edges = bom_edges(exclude_bom_id=exclude_bom_id)
    edges += [(item.number, component.number, 1) for component in components]
    has_bom = set()
    co_products = list(co_products)
    if co_products:
        has_bom = set(
            BomVersion.objects.filter(item__in=co_products).values_list("item_id", flat=True)
        )
    edges += [(c.number, item.number, 0) for c in co_products if c.pk not in has_bom]
    nodes = {n for edge in edges for n in edge[:2]}
    calc.low_level_codes(nodes, edges, prefer=item.number)


def co_product_split_check(
    *, main_percent: Decimal, co_product_percents: Iterable[Decimal]
) -> None:
    calc.allocation_check(main_percent, co_product_percents)


def operation_check(op: Mapping) -> None:
    """A subcontracted operation buys a service item."""
    context = f"Operation {op.get('operation_no')}: "
    service = op.get("service_item")
    if op.get("subcontracted") and service is None:
        raise BusinessError(
            f"{context}a subcontracted operation needs a service item.", field="service_item"
        )
    if service is not None and service.item_type != Item.ItemType.SERVICE:
        raise BusinessError(f"{context}{service} is not a service item.", field="service_item")

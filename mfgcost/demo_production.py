"""The demo's shop floor: production orders, the coating subcontractor and Adjust Cost.

``ShopFloor`` is what the production clerk, purchasing and the vendor do in the admin and
through the API, by the same services, each posting under its own ``demo:`` source key.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from mfgcost.company import Company
from mfgcost.costing.services import AdjustCostResult, adjust_cost_run
from mfgcost.items.models import Item
from mfgcost.production import services as production
from mfgcost.production.models import ProductionOrder, ProductionOrderComponent
from subcontracting import services as subcontracting
from subcontracting.models import (
    MaterialShipment,
    SubcontractingOrder,
    SubcontractingReceipt,
    VendorReport,
)

D = Decimal


class ShopFloor:
    """Production, subcontracting and costing steps of the demo month."""

    def __init__(self, *, company: Company, user, month_end: dt.date):
        self.company = company
        self.user = user
        self.month_end = month_end
        self._numbers = itertools.count(1)

    def _key(self, kind: str, order: ProductionOrder | None = None) -> str:
        scope = f"{order.number}:" if order is not None else ""
        return f"demo:{scope}{kind}:{next(self._numbers)}"

    # ------------------------------------------------------------------ production orders

    def release(self, number: str, item: Item, quantity: str, *, on: dt.date) -> ProductionOrder:
        order = production.production_order_create(
            number=number,
            item=item,
            quantity=D(quantity),
            location=self.company.main,
            due_date=self.month_end,
        )
        return production.production_order_release(
            order=order, posting_date=on, source_key=self._key("release", order), user=self.user
        )

    def component(self, order: ProductionOrder, item: Item) -> ProductionOrderComponent:
        return order.components.get(item=item)

    def consume(self, order: ProductionOrder, item: Item, quantity: str, *, on: dt.date) -> None:
        production.production_consumption_post(
            order=order,
            component=self.component(order, item),
            quantity=D(quantity),
            posting_date=on,
            source_key=self._key("consume", order),
            user=self.user,
        )

    def time(
        self, order: ProductionOrder, operation_no: int, *, setup: str, run: str, on: dt.date
    ) -> None:
        production.production_time_post(
            order=order,
            operation_no=operation_no,
            setup_time=D(setup),
            run_time=D(run),
            posting_date=on,
            source_key=self._key("time", order),
            user=self.user,
        )

    def output(self, order: ProductionOrder, good: str, *, scrap: str, on: dt.date) -> None:
        production.production_output_post(
            order=order,
            quantity=D(good),
            scrap_quantity=D(scrap),
            posting_date=on,
            source_key=self._key("output", order),
            user=self.user,
        )

    def finish(self, order: ProductionOrder, *, on: dt.date) -> ProductionOrder:
        return production.production_order_finish(
            order=order, posting_date=on, source_key=self._key("finish", order), user=self.user
        )

    # ------------------------------------------------------------------ subcontracting

    def subcontracting_order(self, order: ProductionOrder) -> SubcontractingOrder:
        """The subcontracting order the release made for the order's vendor operation."""
        return SubcontractingOrder.objects.get(lines__production_order=order)

    def send_and_acknowledge(
        self, sub_order: SubcontractingOrder, *, promised: dt.date, reference: str
    ) -> SubcontractingOrder:
        sub_order = subcontracting.subcontracting_order_send(order=sub_order, user=self.user)
        return subcontracting.subcontracting_order_acknowledge(
            order=sub_order, promised_date=promised, vendor_reference=reference
        )

    def ship(
        self, sub_order: SubcontractingOrder, item: Item, quantity: str, *, on: dt.date
    ) -> MaterialShipment:
        """Send a component of the vendor's operation to the vendor's location (a transfer)."""
        line = sub_order.lines.get()
        return subcontracting.material_shipment_post(
            order=sub_order,
            direction=MaterialShipment.Direction.SHIPMENT,
            warehouse=self.company.main,
            lines=[
                subcontracting.MaterialLineDraft(
                    order_line=line,
                    component=self.component(line.production_order, item),
                    quantity=D(quantity),
                )
            ],
            posting_date=on,
            source_key=self._key("shipment"),
            user=self.user,
        )

    def vendor_report(
        self,
        sub_order: SubcontractingOrder,
        *,
        good: str,
        scrapped: str,
        consumed: dict[Item, str],
        shipped_on: dt.date,
        expected_on: dt.date,
    ) -> VendorReport:
        """The vendor announces the goods on their way and reports good, scrap and usage."""
        line = sub_order.lines.get()
        subcontracting.shipment_notice_create(
            order=sub_order,
            shipped_on=shipped_on,
            expected_on=expected_on,
            lines=[subcontracting.NoticeLineDraft(order_line=line, quantity=D(good))],
        )
        return subcontracting.vendor_report_create(
            order=sub_order,
            order_line=line,
            good_quantity=D(good),
            scrapped_quantity=D(scrapped),
            consumption=[
                subcontracting.ConsumptionDraft(
                    component=self.component(line.production_order, item), quantity=D(quantity)
                )
                for item, quantity in consumed.items()
            ],
        )

    def receive(
        self, sub_order: SubcontractingOrder, report: VendorReport, *, on: dt.date
    ) -> SubcontractingReceipt:
        """Receive the processed goods as reported: consumption at the vendor, the service at
        the order price and, the vendor's operation being the last, the order's output."""
        return subcontracting.subcontracting_receipt_post(
            order_line=sub_order.lines.get(),
            vendor_report=report,
            posting_date=on,
            source_key=self._key("subcontracting-receipt"),
            user=self.user,
        )

    def vendor_invoice(
        self,
        sub_order: SubcontractingOrder,
        receipt: SubcontractingReceipt,
        *,
        number: str,
        quantity: str,
        unit_price: str,
        on: dt.date,
    ) -> None:
        subcontracting.vendor_invoice_post(
            vendor=sub_order.vendor,
            vendor_invoice_no=number,
            invoice_date=on,
            posting_date=on,
            lines=[
                subcontracting.InvoiceLineDraft(
                    receipt=receipt, quantity=D(quantity), unit_price=D(unit_price)
                )
            ],
            source_key=self._key("vendor-invoice"),
            user=self.user,
        )

    def close(self, sub_order: SubcontractingOrder) -> SubcontractingOrder:
        return subcontracting.subcontracting_order_close(order=sub_order, user=self.user)

    # ------------------------------------------------------------------ costing

    def adjust_cost(self, why: str) -> AdjustCostResult:
        """Run Adjust Cost on everything marked, as the nightly job does."""
        return adjust_cost_run(requested_by=f"demo: {why}")

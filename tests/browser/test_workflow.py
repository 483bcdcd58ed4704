"""In a real browser: log in, release and finish an order from its page with posting dates, and
drill from a variance general-ledger line down to the consumption that caused it.

One test on one demo month (loading it is the slow part), in steps. With
``MFGCOST_SCREENSHOTS`` set (``make screenshots``) the main pages are saved as PNGs on the way:
the order page, a journal entry with its links, a variance value entry, an Adjust Cost run,
and the report pages when they are installed.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def _planned_order():
    from mfgcost.inventory.models import Location
    from mfgcost.items.models import Item
    from mfgcost.production import services

    return services.production_order_create(
        number="PO-2001",
        item=Item.objects.get(number="DEMO-BRACKET"),
        quantity=Decimal("10"),
        location=Location.objects.get(code="MAIN"),
        due_date=dt.date(2026, 11, 30),
    )


def test_order_workflow_and_variance_drill_down(admin_page, demo_month):
    release_and_finish_from_the_order_page(admin_page)
    drill_from_a_variance_gl_line_to_the_consumption(admin_page)
    screenshots_of_runs_and_reports(admin_page)


def release_and_finish_from_the_order_page(page):
    from mfgcost.production.models import ProductionOrder

    order = _planned_order()
    page.goto(page.live_url(f"/admin/production/productionorder/{order.pk}/change/"))
    page.fill("#id_release_posting_date", "2026-11-02")
    page.click("button[name=release]")
    page.wait_for_selector("text=Released PO-2001 on 2026-11-02.")
    assert page.locator("input[name=_save]").count() == 0  # released: read-only

    operation = ProductionOrder.objects.get(pk=order.pk).operations.order_by("operation_no")[0]
    time_form = page.locator("#time-journal")
    time_form.locator("#id_time_posting_date").fill("2026-11-03")
    time_form.locator("#id_time_operation_no").fill(str(operation.operation_no))
    time_form.locator("#id_time_run_time").fill("1.5")
    time_form.locator("button[type=submit]").click()
    page.wait_for_selector("text=Posted: time on PO-2001")
    screenshot(page, "order-released")

    page.fill("#id_finish_posting_date", "2026-11-04")
    page.click("button[name=finish]")
    page.wait_for_selector("text=Finished PO-2001 on 2026-11-04.")
    assert page.locator("button[name=finish]").count() == 0
    assert page.locator("input[name=_save]").count() == 0
    screenshot(page, "order-finished")
    finished = ProductionOrder.objects.get(pk=order.pk)
    assert (finished.status, finished.released_on, finished.finished_on) == (
        "finished",
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 4),
    )


def _variance_line_and_consumption():
    """A material variance posted by Adjust Cost, its general-ledger line, and the consumption
    value entry it was computed from."""
    from mfgcost.inventory.models import ValueEntry
    from mfgcost.inventory.selectors import journal_line_value_entries

    variance = (
        ValueEntry.objects.filter(
            entry_type="variance",
            variance_type="material",
            variance_sources__source_entry__item_ledger_entry_type="consumption",
        )
        .order_by("id")
        .first()
    )
    source = variance.variance_sources.get(
        source_entry__item_ledger_entry_type="consumption"
    ).source_entry
    line = next(
        line
        for line in variance.journal_entry.lines.order_by("line_no")
        if variance in journal_line_value_entries(line)
        and line.account.statement == "pl"  # the variance account, not WIP
    )
    return variance, line, source


def drill_from_a_variance_gl_line_to_the_consumption(page):
    variance, line, source = _variance_line_and_consumption()
    page.goto(page.live_url(f"/admin/ledger/journalentry/{line.entry_id}/change/"))
    screenshot(page, "journal-entry")
    page.click(f"text=value entries of line {line.line_no}")
    page.wait_for_url(re.compile(rf".*journal_line={line.pk}.*"))
    page.click(f"a[href*='/inventory/valueentry/{variance.pk}/change/']")
    page.wait_for_url(re.compile(rf".*/inventory/valueentry/{variance.pk}/change/.*"))
    assert page.locator("text=Variance").first.is_visible()
    screenshot(page, "variance-value-entry")

    page.click(f"a[href*='/inventory/valueentry/{source.pk}/change/']")
    page.wait_for_url(re.compile(rf".*/inventory/valueentry/{source.pk}/change/$"))
    page.click(f"a[href*='/inventory/itemledgerentry/{source.item_ledger_entry_id}/change/']")
    page.wait_for_url(re.compile(r".*/inventory/itemledgerentry/\d+/change/$"))
    assert page.locator(".field-entry_type .readonly").inner_text() == "Consumption"
    assert page.locator(".field-order_no .readonly").inner_text() == variance.order_no


def screenshots_of_runs_and_reports(page):
    """The Adjust Cost run page (and the report pages, once they are installed)."""
    from django.urls import NoReverseMatch, reverse

    from mfgcost.costing.models import CostAdjustmentRun
    from mfgcost.production.models import ProductionOrder

    run = CostAdjustmentRun.objects.filter(value_entries_posted__gt=0).order_by("id").first()
    page.goto(page.live_url(f"/admin/costing/costadjustmentrun/{run.pk}/change/"))
    assert page.locator("#run-status").get_attribute("data-status") == "done"
    screenshot(page, "adjust-cost-run")
    order = ProductionOrder.objects.get(number="PO-1001")
    for slug in ("cost-sheet", "variance-analysis"):
        try:
            url = reverse("admin:report", kwargs={"slug": slug}) + f"?order={order.pk}"
        except NoReverseMatch:
            continue
        page.goto(page.live_url(url))
        screenshot(page, f"report-{slug}")

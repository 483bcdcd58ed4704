"""Costing admin: runs read-only with a button to run Adjust Cost, marks with an action."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from mfgcost.costing.models import CostAdjustmentMark, CostAdjustmentRun
from mfgcost.costing.services import item_mark_changed
from tests.scenarios.support import march

D = Decimal


@pytest.fixture
def admin_client(db):
    user = get_user_model().objects.create_superuser("admin", "a@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def test_run_button_runs_adjust_cost(admin_client, finished_bracket, tasks_in_process):
    page = admin_client.get("/admin/costing/costadjustmentrun/")
    assert page.status_code == 200
    assert b"Run Adjust Cost now" in page.content
    assert admin_client.get("/admin/costing/costadjustmentrun/run/").status_code == 405

    response = admin_client.post("/admin/costing/costadjustmentrun/run/", follow=True)

    run = CostAdjustmentRun.objects.get()
    assert (run.status, run.orders_adjusted) == ("done", 1)
    assert b"1 orders adjusted" in response.content
    assert admin_client.get(f"/admin/costing/costadjustmentrun/{run.pk}/change/").status_code == 200


def test_mark_action_runs_from_the_selected_marks(
    admin_client, company, make_item, post, tasks_in_process
):
    item = make_item(costing_method="fifo")
    receipt = post.receipt(item, "5", "2.00", day=2)
    mark = item_mark_changed(item=item, from_date=march(2), entry=receipt)
    assert admin_client.get("/admin/costing/costadjustmentmark/").status_code == 200

    admin_client.post(
        "/admin/costing/costadjustmentmark/",
        {"action": "adjust_from_marks", "_selected_action": [mark.pk]},
    )

    assert CostAdjustmentRun.objects.get().items_adjusted == 1
    assert not CostAdjustmentMark.objects.filter(item=item).exists()

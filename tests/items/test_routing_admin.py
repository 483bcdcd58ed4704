"""Admin: a routing version is checked like a BOM version (overlap, subcontracted operations)."""

import pytest
from django.contrib.auth import get_user_model

from mfgcost.items.models import Operation, RoutingVersion

pytestmark = pytest.mark.django_db
ADD_ROUTING = "/admin/items/routingversion/add/"


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("admin", "a@example.com", "pw")
    client.force_login(user)
    return client


def routing_post(item, operations, **header) -> dict:
    data = {
        "item": item.pk,
        "version": "2",
        "valid_from": "2025-01-01",
        "valid_to": "2025-12-31",
        **header,
        "operations-TOTAL_FORMS": len(operations),
        "operations-INITIAL_FORMS": 0,
        "operations-MIN_NUM_FORMS": 0,
        "operations-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(operations):
        data.update({f"operations-{index}-{name}": value for name, value in row.items()})
    return data


def operation(number: int, work_center, **fields) -> dict:
    return {
        "operation_no": number,
        "work_center": work_center.pk,
        "setup_time": "0",
        "run_time": "0.1",
        **fields,
    }


def errors_of(response) -> dict[str, list[str]]:
    assert response.status_code == 200, "the form was saved"
    errors = {n: list(m) for n, m in response.context["adminform"].form.errors.items()}
    for inline in response.context["inline_admin_formsets"]:
        for index, form_errors in enumerate(inline.formset.errors):
            for name, messages in form_errors.items():
                errors[f"{inline.formset.prefix}[{index}].{name}"] = list(messages)
    return errors


def counts() -> tuple[int, int]:
    return RoutingVersion.objects.count(), Operation.objects.count()


def test_an_overlapping_routing_version_is_a_form_error(admin_client, frame_product):
    bracket, weld = frame_product["bracket"], frame_product["weld"]
    before = counts()
    data = routing_post(bracket, [operation(10, weld)], valid_from="2026-06-01", valid_to="")
    errors = errors_of(admin_client.post(ADD_ROUTING, data))
    assert list(errors) == ["valid_from"]
    assert "overlaps routing version 1 of item BRACKET" in errors["valid_from"][0]
    assert counts() == before

    data = routing_post(bracket, [operation(10, weld)])  # 2025: before version 1 starts
    assert admin_client.post(ADD_ROUTING, data).status_code == 302
    assert counts() == (before[0] + 1, before[1] + 1)


def test_a_subcontracted_operation_without_a_service_is_a_form_error(admin_client, frame_product):
    from mfgcost.items.models import WorkCenter

    coater = WorkCenter.objects.get(code="COATV")
    before = counts()
    data = routing_post(frame_product["offcut"], [operation(10, coater, subcontracted="on")])
    errors = errors_of(admin_client.post(ADD_ROUTING, data))
    assert list(errors) == ["operations[0].service_item"]
    assert counts() == before

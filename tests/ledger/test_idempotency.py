"""A manual entry's key (source key or document number) replays only the same entry."""

import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection
from rest_framework.test import APIClient

from ledger.models import JournalEntry

from .support import ENTRIES_URL, entry_payload, ledger_rows, line, salaries_payload


def test_a_document_number_reused_with_another_amount_is_a_conflict(company, api, assembly):
    first = api.post(ENTRIES_URL, salaries_payload(document_number="PAY-7"), format="json")
    assert first.status_code == 201, first.data
    before = ledger_rows()

    other = entry_payload(
        line("6100", debit="1200.00", cost_center="ASSEMBLY"),
        line("2000", credit="1200.00"),
        document_number="PAY-7",
    )
    response = api.post(ENTRIES_URL, other, format="json")

    assert response.status_code == 409, response.data
    assert list(response.data) == ["document_number"]
    assert "GEN-2026-000001" in response.data["document_number"][0]
    assert ledger_rows() == before  # nothing posted, and never the earlier entry with a 200


def test_a_source_key_reused_with_another_date_or_description_is_a_conflict(company, api, assembly):
    assert (
        api.post(ENTRIES_URL, salaries_payload(source_key="k-9"), format="json").status_code == 201
    )
    before = ledger_rows()

    for change in ({"posting_date": "2026-03-03"}, {"description": "Other"}):
        response = api.post(
            ENTRIES_URL, salaries_payload(source_key="k-9", **change), format="json"
        )
        assert response.status_code == 409, response.data
        assert list(response.data) == ["source_key"]
    assert ledger_rows() == before


def test_an_exact_repeat_replays_the_entry_marked_as_a_replay(company, api, assembly):
    first = api.post(ENTRIES_URL, salaries_payload(document_number="PAY-8"), format="json")
    again = api.post(ENTRIES_URL, salaries_payload(document_number="PAY-8"), format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first


def test_the_same_document_number_from_another_user_is_a_conflict(
    company, api, assembly, bookkeeper
):
    assert (
        api.post(ENTRIES_URL, salaries_payload(document_number="PAY-9"), format="json").status_code
        == 201
    )
    colleague = User.objects.create_user("colleague", is_staff=True)
    colleague.user_permissions.set(bookkeeper.user_permissions.all())
    client = APIClient()
    client.force_authenticate(colleague)
    before = ledger_rows()

    response = client.post(ENTRIES_URL, salaries_payload(document_number="PAY-9"), format="json")

    assert response.status_code == 409
    assert list(response.data) == ["document_number"]
    assert ledger_rows() == before


def _post_at_once(user, payloads, headers=None):
    """POST each payload from its own thread (and so its own connection), all at once."""
    barrier = threading.Barrier(len(payloads))
    responses = [None] * len(payloads)

    def work(index, payload):
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        try:
            responses[index] = client.post(ENTRIES_URL, payload, format="json", **(headers or {}))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, p)) for i, p in enumerate(payloads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_simultaneous_entries_with_one_document_number_post_one(
    company, assembly, bookkeeper
):
    responses = _post_at_once(bookkeeper, [salaries_payload(document_number="PAY-42")] * 8)

    assert JournalEntry.objects.filter(source_key="manual:GEN:PAY-42").count() == 1
    assert JournalEntry.objects.count() == 1
    bodies = [r.json() for r in responses]
    assert all(body == bodies[0] for body in bodies), bodies
    # One request posted the entry (201); the seven that waited for it replay it (200), the
    # same answer a later repeat gets -- never a second 201.
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    replays = [r for r in responses if r.status_code == 200]
    assert all(r["Idempotent-Replayed"] == "true" for r in replays)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_simultaneous_entries_with_one_idempotency_key_answer_alike(
    company, assembly, bookkeeper
):
    responses = _post_at_once(
        bookkeeper, [salaries_payload()] * 8, headers={"HTTP_IDEMPOTENCY_KEY": "pay-run-3"}
    )

    assert JournalEntry.objects.count() == 1
    assert [r.status_code for r in responses] == [201] * 8
    assert all(r.json() == responses[0].json() for r in responses)
    assert sum(r.get("Idempotent-Replayed") == "true" for r in responses) == 7

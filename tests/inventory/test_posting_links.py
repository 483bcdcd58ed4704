"""The link between the inventory ledgers and the general ledger cannot be broken after posting,
and the reconciliation names the cause of any difference it finds."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from ledger.models import Account, JournalEntry
from ledger.selectors import trial_balance
from mfgcost.core.errors import BusinessError
from mfgcost.inventory.models import InventoryPostingSetup
from mfgcost.inventory.selectors import reconciliation
from mfgcost.inventory.services import (
    inventory_posting_setup_delete,
    inventory_posting_setup_save,
)
from mfgcost.items.services import item_save

from .support import march

D = Decimal
pytestmark = pytest.mark.django_db


def raw_setup(company, group="RAW") -> InventoryPostingSetup:
    return InventoryPostingSetup.objects.get(posting_group=company.groups[group], location=None)


@pytest.fixture
def admin_client(db):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", None)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def spare_account(company):
    return Account.objects.create(
        number="1390", name="Other stock", account_type="asset", statement="bs"
    )


# --------------------------------------------------------------------------- posting setup


def test_a_used_setup_keeps_its_accounts(api, post, make_item, company, spare_account):
    steel = make_item()
    post.receipt(steel, "10", "5.00")  # Dr 1300 50.00 / Cr 2100 50.00
    setup = raw_setup(company)

    with pytest.raises(BusinessError) as refused:
        inventory_posting_setup_save(setup=setup, inventory_account=spare_account)
    assert refused.value.field == "inventory_account"
    assert "1300" in refused.value.message and "transfer the stock" in refused.value.message

    answer = api.patch(
        f"/api/inventory/posting-setups/{setup.pk}/",
        {"inventory_accrual_account": "1390"},
        format="json",
    )
    assert answer.status_code == 400 and list(answer.json()) == ["inventory_accrual_account"]
    setup.refresh_from_db()
    assert setup.inventory_account.number == "1300"
    assert setup.inventory_accrual_account.number == "2100"

    # A new row in front of the used one (group and location) would re-route MAIN's entries.
    answer = api.post(
        "/api/inventory/posting-setups/",
        {
            "posting_group": "RAW",
            "location": "MAIN",
            "inventory_account": "1390",
            "inventory_accrual_account": "2100",
            "wip_account": "1330",
        },
        format="json",
    )
    assert answer.status_code == 400 and list(answer.json()) == ["location"]
    # ... and so would deleting it.
    answer = api.delete(f"/api/inventory/posting-setups/{setup.pk}/")
    assert answer.status_code == 409
    assert InventoryPostingSetup.objects.filter(pk=setup.pk).exists()
    with pytest.raises(BusinessError):
        inventory_posting_setup_delete(setup=setup)


def test_an_unused_setup_may_change(api, post, make_item, company, spare_account):
    steel = make_item()
    post.receipt(steel, "10", "5.00")
    finished = raw_setup(company, "FINISHED")  # nothing posted under FINISHED yet

    answer = api.patch(
        f"/api/inventory/posting-setups/{finished.pk}/",
        {"inventory_account": "1390"},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    finished.refresh_from_db()
    assert finished.inventory_account == spare_account
    # A row with the same accounts as the one it shadows changes nothing posted.
    answer = api.post(
        "/api/inventory/posting-setups/",
        {
            "posting_group": "RAW",
            "location": "MAIN",
            "inventory_account": "1300",
            "inventory_accrual_account": "2100",
            "wip_account": "1330",
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content


def test_the_admin_shows_the_refusal_on_the_field(admin_client, post, make_item, company):
    steel = make_item()
    post.receipt(steel, "10", "5.00")
    setup = raw_setup(company)
    spare = Account.objects.create(
        number="1390", name="Other stock", account_type="asset", statement="bs"
    )
    answer = admin_client.post(
        f"/admin/inventory/inventorypostingsetup/{setup.pk}/change/",
        {
            "posting_group": setup.posting_group_id,
            "location": "",
            "inventory_account": spare.pk,
            "inventory_accrual_account": setup.inventory_accrual_account_id,
            "wip_account": setup.wip_account_id,
        },
    )
    assert answer.status_code == 200  # the form again, with the error
    form = answer.context["adminform"].form
    assert "inventory_account" in form.errors
    assert "reconcile" in form.errors["inventory_account"][0]
    setup.refresh_from_db()
    assert setup.inventory_account.number == "1300"


# --------------------------------------------------------------------------- control accounts


def test_a_control_account_with_postings_stays_closed(api, admin_client, post, make_item, company):
    steel = make_item()
    post.receipt(steel, "10", "5.00")
    inventory = company.account("1300")
    answer = api.patch(
        f"/api/ledger/accounts/{inventory.pk}/", {"direct_posting": True}, format="json"
    )
    assert answer.status_code == 400, answer.content
    assert list(answer.json()) == ["direct_posting"]
    assert "control account" in answer.json()["direct_posting"][0]
    inventory.refresh_from_db()
    assert inventory.direct_posting is False

    page = admin_client.post(
        f"/admin/ledger/account/{inventory.pk}/change/",
        {
            "number": "1300",
            "name": inventory.name,
            "account_type": "asset",
            "statement": "bs",
            "direct_posting": "on",
            "cost_center_rule": inventory.cost_center_rule,
            "cost_object_rule": inventory.cost_object_rule,
        },
    )
    assert page.status_code == 200
    assert "direct_posting" in page.context["adminform"].form.errors
    inventory.refresh_from_db()
    assert inventory.direct_posting is False

    # Another account without sub-ledger postings may open (the finished goods account).
    finished = company.account("1310")
    answer = api.patch(
        f"/api/ledger/accounts/{finished.pk}/", {"direct_posting": True}, format="json"
    )
    assert answer.status_code == 200, answer.content
    # Renaming the closed control account is fine.
    answer = api.patch(
        f"/api/ledger/accounts/{inventory.pk}/", {"name": "Raw stock"}, format="json"
    )
    assert answer.status_code == 200, answer.content


# --------------------------------------------------------------------------- item posting group


def test_an_item_with_stock_keeps_its_posting_group(api, post, make_item, company):
    steel = make_item()
    post.receipt(steel, "10", "5.00")
    post.sale(steel, "4")  # 6 left, 30.00

    answer = api.patch(
        f"/api/items/items/{steel.pk}/", {"posting_group": "FINISHED"}, format="json"
    )
    assert answer.status_code == 400, answer.content
    assert list(answer.json()) == ["posting_group"]
    assert "6 on hand at MAIN (value 30.00)" in answer.json()["posting_group"][0]
    steel.refresh_from_db()
    assert steel.posting_group.code == "RAW"
    with pytest.raises(BusinessError) as refused:
        item_save(item=steel, posting_group=company.groups["FINISHED"])
    assert refused.value.field == "posting_group"

    # Once the stock is gone, the group may change: nothing posted moves.
    post.sale(steel, "6")
    answer = api.patch(
        f"/api/items/items/{steel.pk}/", {"posting_group": "FINISHED"}, format="json"
    )
    assert answer.status_code == 200, answer.content
    assert all(not row["difference"] and not row["causes"] for row in reconciliation())


# --------------------------------------------------------------------------- reconciliation causes


def test_reconciliation_names_a_direct_posting_on_a_control_account(post, make_item, company):
    steel = make_item()
    post.receipt(steel, "10", "10.00")  # 100.00 on 1300
    # A journal entry written around the services (as a tool with database access might):
    # Dr 1300 7.50 / Cr 3000 7.50, with no value entry behind it.
    existing = JournalEntry.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_journalentry (journal_id, fiscal_year_id, number, posting_date,"
            " period_id, description, source_key, created_at)"
            " VALUES (%s, %s, 999, %s, %s, 'raw', 'raw:1', %s)",
            [
                existing.journal_id,
                existing.fiscal_year_id,
                march(5),
                existing.period_id,
                existing.created_at,
            ],
        )
        entry_id = JournalEntry.objects.get(source_key="raw:1").pk
        for line_no, account, debit, credit in ((1, "1300", "7.50", "0"), (2, "3000", "0", "7.50")):
            cursor.execute(
                "INSERT INTO ledger_journalline (entry_id, line_no, account_id, debit, credit,"
                " description) VALUES (%s, %s, %s, %s, %s, '')",
                [entry_id, line_no, company.account(account).pk, D(debit), D(credit)],
            )
    rows = {row["account"]: row for row in reconciliation()}
    assert rows["1300"]["difference"] == D("7.50")  # 107.50 - 100.00
    assert [(c["cause"], c["amount"]) for c in rows["1300"]["causes"]] == [
        ("direct_posting", D("7.50"))
    ]
    assert "posted directly to control account 1300" in rows["1300"]["causes"][0]["description"]
    assert rows["1330"]["causes"] == []


def test_reconciliation_names_a_setup_changed_around_the_services(
    api, post, make_item, company, spare_account
):
    steel = make_item()
    post.receipt(steel, "10", "10.00")  # Dr 1300 100.00
    post.sale(steel, "3")  # Cr 1300 30.00: 70.00 on 1300
    # The setup row re-pointed by a bulk update (no service, no check).
    InventoryPostingSetup.objects.filter(pk=raw_setup(company).pk).update(
        inventory_account=spare_account
    )
    rows = {row["account"]: row for row in reconciliation()}
    # 1300 keeps 70.00 in the general ledger; the ledgers now map the 70.00 to 1390.
    assert (rows["1300"]["gl_balance"], rows["1300"]["ledger_value"]) == (D("70.00"), D("0"))
    assert [(c["cause"], c["amount"]) for c in rows["1300"]["causes"]] == [
        ("mapping_changed", D("70.00"))
    ]
    assert (rows["1390"]["gl_balance"], rows["1390"]["ledger_value"]) == (D("0"), D("70.00"))
    assert [(c["cause"], c["amount"]) for c in rows["1390"]["causes"]] == [
        ("mapping_changed", D("-70.00"))
    ]
    answer = api.get("/api/inventory/reconciliation/")
    by_account = {row["account"]: row for row in answer.json()}
    assert by_account["1300"]["causes"][0]["cause"] == "mapping_changed"
    assert by_account["1300"]["causes"][0]["amount"] == "70.00"


def test_reconciliation_names_stock_left_under_a_former_posting_group(post, make_item, company):
    steel = make_item()
    post.receipt(steel, "10", "10.00")  # 100.00 on 1300 (RAW)
    # Regrouped by a bulk update with the stock on hand: the sale now credits 1310.
    type(steel).objects.filter(pk=steel.pk).update(posting_group=company.groups["FINISHED"])
    steel.refresh_from_db()
    post.sale(steel, "10")  # Cr 1310 100.00
    balances = {row.number: row.balance for row in trial_balance()}
    assert balances["1300"] == D("100.00") and balances["1310"] == D("-100.00")
    rows = {row["account"]: row for row in reconciliation()}
    # The ledgers and the general ledger agree account by account, yet the link is broken.
    assert rows["1300"]["difference"] == D("0")
    assert [(c["cause"], c["amount"]) for c in rows["1300"]["causes"]] == [
        ("stock_under_former_posting_group", D("100.00"))
    ]
    assert "now posts to account 1310" in rows["1300"]["causes"][0]["description"]


def test_wip_accounts_are_kept_once_production_posted_through_them(api, company, make_item):
    """Only what was posted is held: the RAW row's WIP account is free until a production
    entry resolves its WIP through it."""
    from mfgcost.inventory.models import ValueEntry

    setup = raw_setup(company)
    answer = api.patch(
        f"/api/inventory/posting-setups/{setup.pk}/", {"wip_account": "1310"}, format="json"
    )
    assert answer.status_code == 200, answer.content
    assert not ValueEntry.objects.exists()

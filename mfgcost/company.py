"""A ready company: chart of accounts, journals, posting groups and setup, fiscal year.

Used by the demo, the tests and the benchmarks, and a sensible start for a real company (every
row can be changed in the admin afterwards). Idempotent: running it twice creates nothing new.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from ledger.models import Account, FiscalYear, GeneralPostingSetup, ItemPostingGroup, Journal
from ledger.services import fiscal_year_create
from mfgcost.inventory.models import InventoryPostingSetup, Location
from mfgcost.items.models import CostGroup, UnitOfMeasure

A = Account.AccountType
CHART = [
    # number, name, type, cost centre rule
    ("1300", "Raw materials inventory", A.ASSET, "not_allowed"),
    ("1310", "Finished goods inventory", A.ASSET, "not_allowed"),
    ("1320", "Stock at subcontractors", A.ASSET, "not_allowed"),
    ("1330", "Work in process", A.ASSET, "not_allowed"),
    ("2000", "Accounts payable", A.LIABILITY, "not_allowed"),
    ("2100", "Inventory accrual (received, not invoiced)", A.LIABILITY, "not_allowed"),
    ("3000", "Equity", A.EQUITY, "not_allowed"),
    ("4000", "Sales", A.INCOME, "optional"),
    ("5000", "Cost of goods sold", A.EXPENSE, "optional"),
    ("5100", "Inventory adjustments", A.EXPENSE, "optional"),
    ("5200", "Direct cost applied", A.EXPENSE, "optional"),
    ("5210", "Overhead applied", A.EXPENSE, "optional"),
    ("5220", "Subcontracting applied", A.EXPENSE, "optional"),
    ("5300", "Purchase price variance", A.EXPENSE, "optional"),
    ("5310", "Material variance", A.EXPENSE, "optional"),
    ("5320", "Capacity variance", A.EXPENSE, "optional"),
    ("5330", "Subcontracted variance", A.EXPENSE, "optional"),
    ("5340", "Capacity overhead variance", A.EXPENSE, "optional"),
    ("5350", "Manufacturing overhead variance", A.EXPENSE, "optional"),
    ("5400", "Inventory revaluation", A.EXPENSE, "optional"),
    ("6100", "Manufacturing salaries", A.EXPENSE, "required"),
    ("6200", "Depreciation", A.EXPENSE, "required"),
    ("6300", "Energy", A.EXPENSE, "required"),
]
SUBLEDGER_ONLY = {"1300", "1310", "1320", "1330", "2100"}
COST_GROUPS = [
    ("MAT", "Direct material", CostGroup.GroupType.DIRECT_MATERIAL),
    ("LAB", "Direct manufacturing (labour and machine)", CostGroup.GroupType.DIRECT_MANUFACTURING),
    ("SUB", "Direct outsourcing", CostGroup.GroupType.DIRECT_OUTSOURCING),
    ("COH", "Capacity overhead", CostGroup.GroupType.CAPACITY_OVERHEAD),
    ("MOH", "Manufacturing overhead", CostGroup.GroupType.MANUFACTURING_OVERHEAD),
]
UNITS = [("pcs", "Pieces"), ("kg", "Kilogram"), ("t", "Metric ton"), ("h", "Hour"), ("l", "Litre")]


@dataclass
class Company:
    accounts: dict[str, Account]
    groups: dict[str, ItemPostingGroup]
    cost_groups: dict[str, CostGroup]
    units: dict[str, UnitOfMeasure]
    main: Location
    fiscal_year: FiscalYear

    def account(self, number: str) -> Account:
        return self.accounts[number]


@transaction.atomic
def company_setup(*, year_start: dt.date = dt.date(2026, 1, 1)) -> Company:
    """Create (or find) the standard company; ``year_start`` opens a twelve-month fiscal year."""
    accounts = {}
    for number, name, account_type, cc_rule in CHART:
        statement = "bs" if account_type in (A.ASSET, A.LIABILITY, A.EQUITY) else "pl"
        accounts[number], _ = Account.objects.get_or_create(
            number=number,
            defaults={
                "name": name,
                "account_type": account_type,
                "statement": statement,
                "cost_center_rule": cc_rule,
                "direct_posting": number not in SUBLEDGER_ONLY,
            },
        )
    for code, name in [
        ("GEN", "General journal"),
        ("INV", "Inventory postings"),
        ("PROD", "Production postings"),
        ("SUB", "Subcontracting postings"),
        ("COST", "Cost adjustments and revaluations"),
    ]:
        Journal.objects.get_or_create(code=code, defaults={"name": name})
    groups = {}
    for code, name in [
        ("RAW", "Raw materials"),
        ("FINISHED", "Finished and semi-finished goods"),
        ("SERVICE", "Services"),
    ]:
        groups[code], _ = ItemPostingGroup.objects.get_or_create(code=code, defaults={"name": name})
    general = {
        "cogs_account": accounts["5000"],
        "inventory_adjustment_account": accounts["5100"],
        "direct_cost_applied_account": accounts["5200"],
        "overhead_applied_account": accounts["5210"],
        "subcontracting_applied_account": accounts["5220"],
        "purchase_price_variance_account": accounts["5300"],
        "material_variance_account": accounts["5310"],
        "capacity_variance_account": accounts["5320"],
        "subcontracted_variance_account": accounts["5330"],
        "capacity_overhead_variance_account": accounts["5340"],
        "manufacturing_overhead_variance_account": accounts["5350"],
        "revaluation_account": accounts["5400"],
        "payables_account": accounts["2000"],
    }
    GeneralPostingSetup.objects.get_or_create(posting_group=None, defaults=general)
    main, _ = Location.objects.get_or_create(code="MAIN", defaults={"name": "Main warehouse"})
    for group, inventory in (("RAW", "1300"), ("FINISHED", "1310"), ("SERVICE", "1300")):
        InventoryPostingSetup.objects.get_or_create(
            posting_group=groups[group],
            location=None,
            defaults={
                "inventory_account": accounts[inventory],
                "inventory_accrual_account": accounts["2100"],
                "wip_account": accounts["1330"],
            },
        )
    cost_groups = {}
    for code, name, group_type in COST_GROUPS:
        cost_groups[code], _ = CostGroup.objects.get_or_create(
            code=code, defaults={"name": name, "group_type": group_type}
        )
    units = {}
    for code, name in UNITS:
        units[code], _ = UnitOfMeasure.objects.get_or_create(code=code, defaults={"name": name})
    fiscal_year = FiscalYear.objects.filter(start_date=year_start).first()
    if fiscal_year is None:
        fiscal_year = fiscal_year_create(code=str(year_start.year), start_date=year_start)
    return Company(
        accounts=accounts,
        groups=groups,
        cost_groups=cost_groups,
        units=units,
        main=main,
        fiscal_year=fiscal_year,
    )


def vendor_location_create(*, code: str, name: str, company: Company) -> Location:
    """A location for our stock held at a subcontractor, posting to 'stock at subcontractors'."""
    location, _ = Location.objects.get_or_create(
        code=code, defaults={"name": name, "kind": Location.Kind.VENDOR}
    )
    InventoryPostingSetup.objects.get_or_create(
        posting_group=None,
        location=location,
        defaults={
            "inventory_account": company.accounts["1320"],
            "inventory_accrual_account": company.accounts["2100"],
            "wip_account": company.accounts["1330"],
        },
    )
    return location

"""The whole published schema, fuzzed: no 5xx and every response as the schema says.

A short profile (``MFGCOST_FUZZ_EXAMPLES``, 3 requests per operation and id variant by default)
runs in ``make test``; ``make fuzz`` runs the same test with more examples and negative
(schema-breaking) requests too, and prints the figures.
"""

from __future__ import annotations

import os

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from schemathesis.generation import GenerationMode

from mfgcost.demo import demo_run
from subcontracting.models import Vendor, VendorUser

from .fuzz import fuzz_schema

EXAMPLES = int(os.environ.get("MFGCOST_FUZZ_EXAMPLES", "3"))
NEGATIVE = os.environ.get("MFGCOST_FUZZ_NEGATIVE") == "1"


@pytest.fixture
def demo_company(db, settings):
    """The demo month posted, a superuser token and a token of the demo's vendor."""
    settings.SUBCONTRACTING_THROTTLE_RATES = {
        "subcontracting": "1000000/min",
        "subcontracting_vendor": "1000000/min",
    }
    demo_run(log=lambda _line: None)
    staff = get_user_model().objects.create_superuser("fuzz", "fuzz@example.com", "pw")
    vendor_user = get_user_model().objects.create_user("fuzz-vendor", password="pw")
    VendorUser.objects.create(user=vendor_user, vendor=Vendor.objects.order_by("pk").first())
    return {
        "staff": (staff, {"Authorization": f"Token {Token.objects.create(user=staff).key}"}),
        "vendor": (
            vendor_user,
            {"Authorization": f"Token {Token.objects.create(user=vendor_user).key}"},
        ),
    }


@pytest.mark.timeout(1800)
def test_every_operation_answers_as_documented(demo_company, capsys):
    def caller(path: str):
        return demo_company["vendor" if "/vendor/" in path else "staff"]

    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if NEGATIVE else None
    report = fuzz_schema(
        headers_for=lambda path: caller(path)[1],
        user_for=lambda path: caller(path)[0],
        examples=EXAMPLES,
        **({"modes": modes} if modes else {}),
    )
    with capsys.disabled():
        print(f"\nschema fuzz ({EXAMPLES} examples per operation):\n{report.summary()}")
    assert report.operations > 150
    assert report.server_errors == 0, report.summary()
    assert report.schema_violations == 0, report.summary()

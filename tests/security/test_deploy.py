"""Deployment settings are safe by default (docs/deploy.md).

* ``DEBUG`` is off unless ``DJANGO_DEBUG=1``, whether or not a secret key is set;
* ``manage.py check --deploy`` is clean with the documented production environment;
* ``CACHE_URL`` makes the cache (and so the API throttle) Redis, shared by every process;
* ``manage.py db_roles`` makes an app role that posts normally but can neither TRUNCATE a ledger
  nor disable its triggers.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core.cache.backends.redis import RedisCache
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from ledger.models import JournalEntry
from mfgcost.inventory.models import ValueEntry
from subcontracting.permissions import PurchasingThrottle
from tests.conftest import redis_url

D = Decimal
ROOT = Path(__file__).resolve().parents[2]

# What docs/deploy.md tells production to set (values are examples).
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "k3" + secrets.token_urlsafe(48),
    "DJANGO_ALLOWED_HOSTS": "costing.example.com",
    "DJANGO_HTTPS": "1",
    "DJANGO_PROXY_SSL_HEADER": "1",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://costing.example.com",
    "CACHE_URL": "redis://127.0.0.1:6379/2",
    "DATABASE_URL": "postgres://mfgcost_app:secret@127.0.0.1:5432/mfgcost",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/1",
}
# drf-spectacular reports its schema-generation warnings through ``check --deploy`` too; they are
# about the published schema's precision (tests/.../schema tests own them), not the deployment.
NOT_DEPLOYMENT = ("drf_spectacular.W001",)


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CACHE_", "MFGCOST_DB_")) and k != "PYTEST_CURRENT_TEST"
    }
    env.pop("DATABASE_URL", None)
    env["MFGCOST_VAR_DIR"] = str(ROOT / "var")
    env.update(extra)
    return env


def _settings_in_subprocess(env: dict[str, str], *names: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: repr(getattr(settings, n, None)) for n in {list(names)!r}}}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "mfgcost.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_debug_is_off_without_a_secret_key_and_on_only_when_asked():
    plain = _settings_in_subprocess(_clean_env(), "DEBUG", "CACHES")
    assert plain["DEBUG"] == "False"  # it was True before when no secret key was set
    assert "LocMemCache" in plain["CACHES"]
    asked = _settings_in_subprocess(_clean_env(DJANGO_DEBUG="1"), "DEBUG")
    assert asked["DEBUG"] == "True"


def test_cache_url_makes_the_cache_redis():
    configured = _settings_in_subprocess(_clean_env(CACHE_URL="redis://127.0.0.1:6379/2"), "CACHES")
    assert "django.core.cache.backends.redis.RedisCache" in configured["CACHES"]
    assert "redis://127.0.0.1:6379/2" in configured["CACHES"]


def test_check_deploy_is_clean_with_the_documented_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_clean_env(**PRODUCTION_ENV),
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    issues = [
        line
        for line in output.splitlines()
        if line.startswith("?:") and not any(code in line for code in NOT_DEPLOYMENT)
    ]
    assert issues == [], output[-3000:]
    # And without them the same check names what is missing (the test can fail).
    unsafe = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    for code in ("security.W004", "security.W008", "security.W009", "security.W012"):
        assert code in unsafe.stdout + unsafe.stderr, code


@pytest.mark.redis
@pytest.mark.django_db
def test_two_processes_share_one_throttle_through_redis():
    """Two cache clients (as two worker processes would have) count one limit of 3/min."""
    url = redis_url()
    prefix = f"mfgcost-test-{uuid.uuid4().hex}"
    first, second = (RedisCache(url, {"KEY_PREFIX": prefix}) for _ in range(2))
    user = get_user_model().objects.create_user("buyer", password="x")
    request = SimpleNamespace(user=user, META={"REMOTE_ADDR": "127.0.0.1"})

    def throttle(cache):
        class ThisProcess(PurchasingThrottle):
            pass

        ThisProcess.cache = cache
        return ThisProcess()

    try:
        with override_settings(SUBCONTRACTING_THROTTLE_RATES={"subcontracting": "3/min"}):
            allowed = [
                throttle(cache).allow_request(request, None)
                for cache in (first, second, first, second)
            ]
        # 3 requests pass, whichever process served them; the 4th is refused. Local memory in
        # each process would have allowed all four (two each).
        assert allowed == [True, True, True, False]
    finally:
        first.delete(throttle(first).get_cache_key(request, None))


# --------------------------------------------------------------------------- database roles


def _as_role(role: str, password: str) -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=role,
        password=password,
        autocommit=True,
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_app_role_posts_but_cannot_truncate_or_disable_triggers(company, make_item):
    steel = make_item(number="STEEL-ROLES", standard_cost="5.00")
    suffix = uuid.uuid4().hex[:8]
    owner, app = f"mfgcost_owner_{suffix}", f"mfgcost_app_{suffix}"
    password = secrets.token_urlsafe(16)
    me = connection.settings_dict["USER"] or "postgres"
    try:
        call_command(
            "db_roles",
            owner=owner,
            app=app,
            owner_password=password,
            app_password=password,
            stdout=open(os.devnull, "w"),
        )
        # The application, logged in as the app role, posts a receipt as usual.
        settings = connection.settings_dict
        database_url = (
            f"postgres://{app}:{password}@{settings['HOST'] or '127.0.0.1'}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}"
        )
        code = (
            "import datetime as dt, django; from decimal import Decimal; django.setup(); "
            "from mfgcost.items.models import Item; from mfgcost.inventory.models import Location; "
            "from mfgcost.inventory.services import purchase_receipt_post; "
            "purchase_receipt_post(item=Item.objects.get(number='STEEL-ROLES'), "
            f"location=Location.objects.get(pk={company.main.pk}), quantity=Decimal('2'), "
            "unit_cost=Decimal('5.00'), posting_date=dt.date(2026, 3, 2), "
            "source_key='roles:receipt')"
        )
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=_clean_env(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="mfgcost.settings"),
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        # 2 x 5.00 = 10.00 on the receipt's value entry, and its journal entry.
        entry = ValueEntry.objects.get(item_ledger_entry__item=steel)
        assert (entry.cost_amount_expected, entry.cost_amount_actual) == (D("10.00"), D("0"))
        assert JournalEntry.objects.filter(source_key__contains="roles:receipt").exists()

        with _as_role(app, password) as app_connection:
            for statement in (
                "TRUNCATE ledger_journalline CASCADE",
                "TRUNCATE inventory_valueentry CASCADE",
                "ALTER TABLE ledger_journalline DISABLE TRIGGER ALL",
                "ALTER TABLE inventory_valueentry DISABLE TRIGGER USER",
                "DROP TRIGGER ledger_journalline_append_only ON ledger_journalline",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    app_connection.execute(statement)
            # Row rules still hold for the app role: a posted line cannot be deleted.
            with pytest.raises(psycopg.errors.IntegrityConstraintViolation):
                app_connection.execute("DELETE FROM ledger_journalline")
        # The owner (who runs migrations) may alter its tables.
        with _as_role(owner, password) as owner_connection:
            owner_connection.execute("ALTER TABLE ledger_journalline ENABLE TRIGGER USER")
    finally:
        with connection.cursor() as cursor:
            for role in (owner, app):
                cursor.execute(
                    f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
                    f"REASSIGN OWNED BY {role} TO {me}; DROP OWNED BY {role}; "
                    f"DROP ROLE {role}; END IF; END $$"
                )

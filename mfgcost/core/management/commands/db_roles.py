"""``manage.py db_roles``: the PostgreSQL roles of a production database (see docs/deploy.md).

Two roles, so the running application cannot undo what the database guarantees:

* the **owner** (default ``mfgcost_owner``) owns the schema's tables, sequences and functions and
  runs ``manage.py migrate``;
* the **app** role (default ``mfgcost_app``) is what the web and Celery processes log in as: it may
  SELECT, INSERT, UPDATE and DELETE rows and use the sequences, nothing more. Not owning the
  tables, it can neither TRUNCATE a ledger nor ``ALTER TABLE ... DISABLE TRIGGER`` the triggers
  that keep the ledgers append-only and the journals balanced.

Run it once as a superuser (or a role with CREATEROLE that owns the database) against the
database in ``DATABASE_URL``; it hands the existing objects to the owner and grants the app role
its rights, now and for the tables later migrations create. Running it again is harmless.
``--print`` only prints the SQL.
"""

from __future__ import annotations

import os
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def db_roles_sql(
    *,
    database: str,
    owner: str,
    app: str,
    owner_password: str | None = None,
    app_password: str | None = None,
    schema: str = "public",
) -> list[str]:
    """The statements that create (or update) the two roles and their rights, in order."""
    for name in (owner, app, schema):
        if not ROLE_NAME.match(name):
            raise ValueError(f"{name!r} is not a plain lower-case PostgreSQL name")
    if owner == app:
        raise ValueError("the owner and the app role must be two roles")
    statements = []
    for role, password in ((owner, owner_password), (app, app_password)):
        statements.append(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
            f"CREATE ROLE {role}; END IF; END $$"
        )
        rights = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        password_clause = f" PASSWORD {_literal(password)}" if password else ""
        statements.append(f"ALTER ROLE {role} {rights}{password_clause}")
    quoted_db = '"' + database.replace('"', '""') + '"'
    statements += [
        f"GRANT CONNECT ON DATABASE {quoted_db} TO {owner}, {app}",
        f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
        f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {owner}",
        f"GRANT USAGE ON SCHEMA {schema} TO {app}",
        # Hand every table, view and free-standing sequence (identity sequences follow their
        # table) and every function (the ledger triggers') to the owner.
        f"""DO $$ DECLARE r record; BEGIN
            FOR r IN SELECT c.oid::regclass AS name FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = '{schema}' AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
                  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                  AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
            LOOP EXECUTE format('ALTER TABLE %s OWNER TO {owner}', r.name); END LOOP;
            FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = '{schema}'
            LOOP EXECUTE format('ALTER ROUTINE %s OWNER TO {owner}', r.name); END LOOP;
        END $$""",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {app}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {app}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {app}",
    ]
    return statements


class Command(BaseCommand):
    help = (
        "Create or update the PostgreSQL owner role (runs migrations) and app role (rows only: "
        "no TRUNCATE, no ALTER TABLE) of the database in DATABASE_URL, hand the existing tables "
        "to the owner and grant the app role. Passwords come from --owner-password and "
        "--app-password or MFGCOST_DB_OWNER_PASSWORD and MFGCOST_DB_APP_PASSWORD (none: the "
        "roles get no password)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="mfgcost_owner", help="owner role (mfgcost_owner)")
        parser.add_argument("--app", default="mfgcost_app", help="app role (mfgcost_app)")
        parser.add_argument("--owner-password", default=os.environ.get("MFGCOST_DB_OWNER_PASSWORD"))
        parser.add_argument("--app-password", default=os.environ.get("MFGCOST_DB_APP_PASSWORD"))
        parser.add_argument("--schema", default="public", help="schema of the tables (public)")
        parser.add_argument("--print", action="store_true", help="print the SQL, run nothing")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("db_roles needs PostgreSQL (DATABASE_URL=postgres://...)")
        try:
            statements = db_roles_sql(
                database=connection.settings_dict["NAME"],
                owner=options["owner"],
                app=options["app"],
                owner_password=options["owner_password"],
                app_password=options["app_password"],
                schema=options["schema"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        me = connection.settings_dict.get("USER") or ""
        if me in (options["owner"], options["app"]):
            # ALTER ROLE ... NOSUPERUSER on the role running this would lock the operator out.
            raise CommandError(f"run db_roles as another role than {me!r}, which it would change")
        if options["print"]:
            self.stdout.write(";\n".join(statements) + ";")
            return
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            f"Roles ready: {options['owner']} owns the tables (run migrate as it), "
            f"{options['app']} reads and writes rows (run the application as it)."
        )

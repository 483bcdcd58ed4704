"""Schema-driven requests against the whole API: the runner behind the fuzz test and ``make fuzz``.

Every operation of the published OpenAPI schema gets ``examples`` generated requests
(schemathesis, deterministic), sent through the WSGI application with a token header. Object
routes are called with the ids of objects that exist (the demo company) as well as with
generated ones. Each request runs in a savepoint that is rolled back, so every request sees the
same data and the order of operations does not matter.

Each response is checked: no 5xx, its status code documented for the operation, its content
type and body as the schema says.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

import hypothesis
import hypothesis.errors
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import RequestFactory
from django.urls import resolve
from hypothesis import HealthCheck, Phase
from rest_framework.request import Request
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mfgcost.production.models import ProductionOrder

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclasses.dataclass
class FuzzReport:
    """What a run sent and found."""

    operations: int = 0
    requests: int = 0
    server_errors: int = 0
    schema_violations: int = 0
    unsatisfiable: int = 0
    statuses: Counter = dataclasses.field(default_factory=Counter)
    # One message per (operation, kind of failure): the first case that showed it.
    failures: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)

    def summary(self) -> str:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        lines = [
            f"operations: {self.operations}",
            f"requests: {self.requests}",
            f"5xx: {self.server_errors}",
            f"schema violations: {self.schema_violations}",
            f"status codes: {statuses}",
        ]
        for (label, kind), message in sorted(self.failures.items()):
            lines.append(f"--- {label}: {kind}\n{message.strip()[:1500]}")
        return "\n".join(lines)


def _existing_ids(path: str, user) -> dict[str, str]:
    """Path parameters naming an object that exists and that ``user`` sees, if there is one."""
    names = re.findall(r"\{([a-z_]+)\}", path)
    try:
        match = resolve(re.sub(r"\{[a-z_]+\}", "1", path))
    except Exception:
        return {}
    view_class = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    if view_class is None:
        return {}
    if names == ["number"] and not hasattr(view_class, "get_queryset"):
        # The cost sheet and other reports of one production order, by its number.
        number = ProductionOrder.objects.order_by("pk").values_list("number", flat=True).first()
        return {"number": number} if number else {}
    view = view_class()
    view.request = Request(RequestFactory().get(path))
    view.request.user = user
    view.kwargs, view.format_kwarg = {}, None
    view.action = "retrieve"
    try:
        queryset = view.get_queryset()
    except Exception:
        return {}
    lookup = getattr(view, "lookup_field", "pk")
    value = queryset.order_by("pk").values_list(lookup, flat=True).first()
    return {} if value is None else {name: str(value) for name in names}


def _record(report: FuzzReport, label: str, case, response, error: FailureGroup | None) -> None:
    report.requests += 1
    report.statuses[response.status_code] += 1
    if response.status_code >= 500:
        report.server_errors += 1
    if error is None:
        return
    for failure in error.exceptions:
        title = getattr(failure, "title", type(failure).__name__)
        if response.status_code < 500:
            report.schema_violations += 1
        report.failures.setdefault((label, title), str(error))


def fuzz_schema(
    *,
    headers_for,
    user_for,
    examples: int,
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE,),
    seed: int = 0,
) -> FuzzReport:
    """Send ``examples`` requests per operation (and mode) and check every response.

    ``headers_for(path)`` gives the authentication headers for a route (vendor routes take a
    vendor's token, the others a superuser's), ``user_for(path)`` the user they stand for.
    """
    app = WSGIHandler()
    # Django's test client does the same: a request must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        # The schema is for staff: it is read with the superuser's headers of a staff route.
        schema = schemathesis.openapi.from_wsgi(
            "/api/schema/?format=json", app, headers=headers_for("/api/ledger/accounts/")
        )
        report = FuzzReport()
        for result in schema.get_all_operations():
            operation = result.ok()
            report.operations += 1
            path_ids = {}
            if "{" in operation.path:
                path_ids = _existing_ids(operation.path, user_for(operation.path))
            variants = [{}] if not path_ids else [{}, path_ids]
            for mode in modes:
                for fixed in variants:
                    _fuzz_operation(
                        report,
                        operation,
                        mode=mode,
                        path_parameters=fixed,
                        headers=headers_for(operation.path),
                        examples=examples,
                        seed=seed,
                    )
        return report
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz_operation(report, operation, *, mode, path_parameters, headers, examples, seed):
    label = operation.label

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        report_multiple_bugs=False,
    )
    @hypothesis.given(
        case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters or None)
    )
    def run(case):
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as error:
            _record(report, label, case, response, error)
        else:
            _record(report, label, case, response, None)

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        # Negative requests for an operation with nothing left to break (every parameter fixed).
        report.unsatisfiable += 1

"""The published schema documents itself: every operation has a description, an example and
its 4xx responses with the shared error body; enums have chosen names; deprecated filter
aliases are marked."""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method in METHODS:
                yield path, method, operation


def expected_errors(path: str, method: str, operation: dict) -> set[str]:
    security = operation.get("security", [])
    if not security or {} in security:
        # Open to anyone (getting a token): only its bad input.
        return {"400", "415"} if method != "get" else set()
    codes = {"401", "403"}
    query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
    if method != "get" or query:
        codes.add("400")
    if "{" in path:
        codes.add("404")
    if method != "get":
        codes.add("409")
    if method == "post":
        codes.add("422")
    if method in ("post", "put", "patch"):
        codes.add("415")
    return codes


def test_the_schema_has_every_operation(schema):
    assert len(list(operations(schema))) > 150


def test_every_operation_is_described(schema):
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(schema)
        if len(operation.get("description", "").strip()) < 15
    ]
    assert missing == []


def test_every_operation_has_examples(schema):
    missing = []
    for path, method, operation in operations(schema):
        label = f"{method.upper()} {path}"
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None and not body.get("examples"):
            missing.append(f"{label} request")
        for code, response in operation["responses"].items():
            media = response.get("content", {}).get("application/json")
            if media is not None and not media.get("examples"):
                missing.append(f"{label} {code}")
    assert missing == []


def test_every_operation_declares_its_4xx_with_the_error_body(schema):
    missing = []
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        for code in sorted(expected_errors(path, method, operation)):
            response = responses.get(code)
            ref = (
                (response or {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
                .get("$ref")
            )
            if ref != "#/components/schemas/Error":
                missing.append(f"{method.upper()} {path} {code}")
    assert missing == []
    error = schema["components"]["schemas"]["Error"]
    assert error["type"] == "object"
    assert error["additionalProperties"]["anyOf"][0] == {
        "type": "array",
        "items": {"type": "string"},
    }


def test_examples_use_the_field_precision(schema):
    """A quantity example has six places, an amount two: "50.000000" and "1250.00"."""
    body = schema["paths"]["/api/inventory/receipts/"]["post"]["requestBody"]["content"]
    example = next(iter(body["application/json"]["examples"].values()))["value"]
    assert re.fullmatch(r"\d+\.\d{6}", example["quantity"]), example
    assert re.fullmatch(r"\d+\.\d{6}", example["unit_cost"]), example


def test_no_auto_named_enums(schema):
    hashed = [
        name for name in schema["components"]["schemas"] if re.search(r"[0-9a-f]{3}Enum$", name)
    ]
    assert hashed == []


def test_list_actions_that_answer_plain_lists_are_not_described_as_pages(schema):
    for path in (
        "/api/production/orders/{id}/components/",
        "/api/production/orders/{id}/operations/",
        "/api/production/orders/{id}/outputs/",
        "/api/production/orders/{id}/estimate/",
    ):
        response = schema["paths"][path]["get"]["responses"]["200"]
        assert response["content"]["application/json"]["schema"]["type"] == "array", path
    page = schema["paths"]["/api/production/orders/"]["get"]["responses"]["200"]
    assert page["content"]["application/json"]["schema"]["$ref"].endswith(
        "PaginatedProductionOrderList"
    )


def test_progress_is_described_as_components_and_operations(schema):
    response = schema["paths"]["/api/production/orders/{id}/progress/"]["get"]["responses"]["200"]
    ref = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    component = schema["components"]["schemas"][ref]
    assert set(component["properties"]) == {"components", "operations"}
    assert "bom" not in component["properties"]


def test_value_entry_location_and_cost_group_may_be_null(schema):
    properties = schema["components"]["schemas"]["ValueEntry"]["properties"]
    assert properties["location"].get("nullable") is True
    assert properties["cost_group"].get("nullable") is True


@pytest.mark.parametrize(
    "path, old, new",
    [
        ("/api/production/orders/", "due_from", "due_date_after"),
        ("/api/production/orders/", "due_to", "due_date_before"),
        ("/api/ledger/journal-entries/", "posting_date_from", "posting_date_after"),
        ("/api/ledger/journal-entries/", "posting_date_to", "posting_date_before"),
        ("/api/items/standard-costs/", "activation_date__gte", "activation_date_after"),
        ("/api/items/standard-costs/", "activation_date__lte", "activation_date_before"),
    ],
)
def test_old_filter_names_are_deprecated_aliases(schema, path, old, new):
    parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
    assert parameters[old]["deprecated"] is True
    assert new in parameters[old]["description"]
    assert not parameters[new].get("deprecated")


def test_no_date_filter_is_named_the_old_ways_without_being_deprecated(schema):
    offenders = []
    for path, method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            name = parameter["name"]
            is_date = parameter.get("schema", {}).get("format") == "date"
            old_style = re.search(r"(_from|_to|__gte|__lte)$", name)
            if (
                is_date
                and old_style
                and parameter["in"] == "query"
                and not parameter.get("deprecated")
            ):
                offenders.append(f"{method.upper()} {path} {name}")
    # Report parameters (trial balance, value equation) keep date_from/date_to: a period range
    # of a report, not a filter of a list.
    offenders = [o for o in offenders if not o.endswith((" date_from", " date_to"))]
    assert offenders == []


def _json_schema(node):
    """OpenAPI 3.0's ``nullable`` as JSON Schema, the rest as it is."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def test_every_example_conforms_to_its_schema(schema):
    """Examples are what the API takes and gives: each validates against its body's schema."""
    from jsonschema import Draft7Validator

    components = {"schemas": _json_schema(schema["components"]["schemas"])}
    wrong = []
    for path, method, operation in operations(schema):
        bodies = [("request", operation.get("requestBody", {}))]
        bodies += list(operation["responses"].items())
        for where, body in bodies:
            media = body.get("content", {}).get("application/json")
            if not media or "schema" not in media:
                continue
            validator = Draft7Validator({**_json_schema(media["schema"]), "components": components})
            for name, example in media.get("examples", {}).items():
                errors = list(validator.iter_errors(example["value"]))
                if errors:
                    wrong.append(f"{method.upper()} {path} {where} {name}: {errors[0].message}")
    assert wrong == [], "\n".join(wrong)

"""How the API describes itself: the OpenAPI schema's shared parts.

* ``ErrorSerializer``: the one error body of every 4xx response, ``{"field": ["message"]}``
  (``{"detail": "message"}`` for authentication, permission, not found and throttling).
* ``ApiAutoSchema`` (the ``DEFAULT_SCHEMA_CLASS``): declares the 4xx responses an operation can
  give, describes an operation whose view says nothing about it from its action and model, and
  marks deprecated filter aliases.
* ``schema_examples_complete`` (a ``POSTPROCESSING_HOOKS`` entry): gives every request and
  response body without a hand-written example one built from its schema, with the values a cost
  accountant would type (``"50.000000"`` for a quantity, ``"1250.00"`` for an amount).
"""

from __future__ import annotations

import re

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ErrorSerializer(serializers.Serializer):
    """An error: the fields that were wrong, each with its messages.

    Validation errors name the field (``{"quantity": ["Ensure this value is greater than or
    equal to 0.000001."]}``), nested for lines (``{"lines": [{}, {"unit_cost": [...]}]}``);
    a rule that concerns no single field uses ``non_field_errors``; authentication,
    permission, not-found and throttling errors have one ``detail`` message.
    """

    detail = serializers.CharField(required=False)
    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)


class ErrorSerializerExtension(OpenApiSerializerExtension):
    """The error body as a JSON schema: any field name may carry messages."""

    target_class = ErrorSerializer

    def get_name(self, auto_schema, direction):
        return "Error"

    def map_serializer(self, auto_schema, direction):
        messages = {"type": "array", "items": {"type": "string"}}
        nested = {"type": "array", "items": {"type": "object", "additionalProperties": True}}
        return {
            "type": "object",
            "description": ErrorSerializer.__doc__.split("\n\n", 1)[1].strip(),
            "properties": {
                "detail": {"type": "string", "description": "One message for the request."},
                "non_field_errors": {
                    **messages,
                    "description": "Messages about the request as a whole.",
                },
            },
            "additionalProperties": {
                "description": "The messages of one field (an object for a nested field, a "
                "list of objects for a list of lines).",
                "anyOf": [messages, nested, {"type": "object", "additionalProperties": True}],
            },
        }


# status: (description, example body)
ERROR_RESPONSES: dict[str, tuple[str, dict]] = {
    "400": (
        "Bad input: the body names each field that was wrong; nothing was written.",
        {"quantity": ["Ensure this value is greater than or equal to 0.000001."]},
    ),
    "401": (
        "Not authenticated: the token is missing, unknown or inactive.",
        {"detail": "Invalid token."},
    ),
    "403": (
        "Authenticated, but without the permission this operation needs.",
        {"detail": "You do not have permission to perform this action."},
    ),
    "404": (
        "No such object, or not one the caller may see.",
        {"detail": "No object matches the given query."},
    ),
    "409": (
        "The object's state does not allow this (already finished, posted, in use, locked).",
        {"non_field_errors": ["Production order PO-1001 is finished."]},
    ),
    "415": (
        "The body's content type is not JSON, a form or multipart, or the body cannot be read.",
        {"detail": 'Unsupported media type "text/plain" in request.'},
    ),
    "422": (
        "The idempotency key (the Idempotency-Key header, the document number or the source "
        "key) was used before with another request.",
        {"idempotency_key": ["This Idempotency-Key was used with another request."]},
    ),
    "429": (
        "Too many requests: wait the number of seconds in Retry-After.",
        {"detail": "Request was throttled. Expected available in 12 seconds."},
    ),
}

ACTION_SENTENCES = {
    "list": "List {plural}, {limit} filtered and ordered by the query parameters.",
    "retrieve": "Read one {name} by its id.",
    "create": "Create a {name}.",
    "update": "Replace a {name}: every writable field is sent.",
    "partial_update": "Change some fields of a {name}: only the fields sent are changed.",
    "destroy": "Delete a {name}; refused while other records refer to it.",
}


def error_response(code: int | str, description: str = "") -> OpenApiResponse:
    """The error body for ``code``, for a view that can answer it in a way not covered by the
    common rules (a 404 for an id given as a query parameter)."""
    default, example = ERROR_RESPONSES[str(code)]
    return OpenApiResponse(
        ErrorSerializer,
        description=description or default,
        examples=[OpenApiExample(f"Error{code}", value=example, status_codes=[str(code)])],
    )


def request_example(name: str, value: dict, summary: str = "") -> OpenApiExample:
    """A hand-written request body for ``extend_schema_serializer(examples=[...])``."""
    return OpenApiExample(name, value=value, summary=summary or name, request_only=True)


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema with the house's errors, descriptions and deprecated filters."""

    def _model_names(self) -> tuple[str, str]:
        model = None
        queryset = getattr(self.view, "queryset", None)
        if queryset is not None:
            model = queryset.model
        else:
            serializer_class = getattr(self.view, "serializer_class", None)
            meta = getattr(serializer_class, "Meta", None)
            model = getattr(meta, "model", None)
        if model is None:
            return "record", "records"
        return str(model._meta.verbose_name), str(model._meta.verbose_name_plural)

    def get_description(self) -> str:
        action = getattr(self.view, "action", None)
        method = getattr(self.view, action or self.method.lower(), None)
        action_doc = _doc(method)
        view_doc = _doc(self.view.__class__)
        if action_doc:
            return action_doc
        template = ACTION_SENTENCES.get(action or "")
        if template is None:
            return view_doc
        name, plural = self._model_names()
        limit = (
            "paginated with limit and offset,"
            if self._is_list_view() and (self._get_paginator() is not None)
            else ""
        )
        sentence = re.sub(r"\s+", " ", template.format(name=name, plural=plural, limit=limit))
        return f"{sentence}\n\n{view_doc}" if view_doc else sentence

    def _error_codes(self) -> list[str]:
        only = getattr(self.view, "schema_error_codes", None)
        if only is not None:
            return sorted(only)
        codes = ["401", "403"]
        has_params = "{" in self.path
        has_query = (
            bool(self._get_filter_parameters())
            or (self._is_list_view() and self._get_paginator() is not None)
            or any(_is_query_parameter(p) for p in self.get_override_parameters())
        )
        # A path or query string holding a control character is refused with a 400 naming it
        # before any view runs (``ControlCharacterMiddleware``), so any route with a path
        # parameter or a query can answer 400, besides bodies.
        if self.method in UNSAFE_METHODS or has_query or has_params:
            codes.append("400")
        if has_params:
            codes.append("404")
        if self.method in UNSAFE_METHODS:
            codes.append("409")
        if self.method == "POST":
            codes.append("422")
        if self.method in UNSAFE_METHODS - {"DELETE"}:
            codes.append("415")
        if getattr(self.view, "throttle_classes", None):
            codes.append("429")
        return sorted(codes)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code in responses:
                continue
            description, example = ERROR_RESPONSES[code]
            response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
            response["description"] = description
            for media in response.get("content", {}).values():
                media.setdefault("examples", {})[f"Error{code}"] = {"value": example}
            responses[code] = response
        return responses

    def _get_paginator(self):
        """The paginator only where the response is paginated: the ``list`` action.

        drf-spectacular wraps every list-shaped response of a view that has a pagination class,
        but only ``ListModelMixin.list`` pages its rows; other actions answer plain lists.
        """
        from rest_framework.mixins import ListModelMixin

        action = getattr(self.view, "action", None)
        if action is not None and action != "list":
            return None
        if action is None and not (isinstance(self.view, ListModelMixin) and self.method == "GET"):
            return None
        return super()._get_paginator()

    def _get_serializer_field_meta(self, field, direction):
        """A read-only field over a nullable model field (or relation) may answer null."""
        meta = super()._get_serializer_field_meta(field, direction)
        if (
            direction == "response"
            and getattr(field, "read_only", False)
            and not meta.get("nullable")
            and _source_is_nullable(field)
        ):
            meta["nullable"] = True
        return meta

    def _get_filter_parameters(self):
        parameters = super()._get_filter_parameters()
        filterset_class = getattr(self.view, "filterset_class", None)
        aliases = getattr(filterset_class, "deprecated_aliases", {})
        for parameter in parameters:
            new_name = aliases.get(parameter["name"])
            if new_name:
                parameter["deprecated"] = True
                parameter["description"] = (
                    f"Deprecated alias of `{new_name}`; gives the same result."
                )
        return parameters


def _source_is_nullable(field) -> bool:
    """Whether a serializer field's source path crosses a model field that may be null."""
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    source = getattr(field, "source", None)
    if model is None or not source or source == "*":
        return False
    for name in source.split("."):
        try:
            model_field = model._meta.get_field(name)
        except Exception:
            return False
        if getattr(model_field, "null", False):
            return True
        model = getattr(model_field, "related_model", None)
        if model is None:
            return False
    return False


def _is_query_parameter(parameter) -> bool:
    location = getattr(parameter, "location", "query")
    return location == "query"


def _doc(obj) -> str:
    from drf_spectacular.plumbing import get_doc

    return get_doc(obj) if obj is not None else ""


# ---------------------------------------------------------------------------- examples

# Values by field name, most specific first: what a cost accountant would type.
NAMED_VALUES: list[tuple[str, object]] = [
    (r"(^|_)source_key$", "erp:2026-10-05:0001"),
    (r"(^|_)journal(_code)?$", "GEN"),
    (r"(^|_)posting_group(_code)?$", "RAW"),
    (r"(^|_)costing_sheet(_code)?$", "STD-OH"),
    (r"(^|_)(order_type|kind|status|type)$", "production"),
    (r"(^|_)document_no$", "RCPT-1001"),
    (r"idempotency_key", "6f1c2a9e-4b7d-4e5a-9c3f-2d8b1a0e7f64"),
    (r"(^|_)email$", "buyer@example.com"),
    (r"(^|_)url$|_url$|^link", "https://mfgcost.example.com/api/production/orders/1/"),
    (r"(^|_)currency$", "USD"),
    (r"(^|_)(item|component|product|service)(_number)?$", "BRACKET"),
    (r"(^|_)location(_code)?$", "MAIN"),
    (r"(^|_)vendor(_code)?$", "COATCO"),
    (r"(^|_)(unit|base_unit|uom)(_code)?$", "pcs"),
    (r"(^|_)account(_number|_no)?$", "1310"),
    (r"(^|_)cost_group(_code)?$", "MAT"),
    (r"(^|_)cost_center(_code)?$", "ASSEMBLY"),
    (r"(^|_)cost_object(_code)?$", "BRACKET"),
    (r"(^|_)work_center(_code)?$", "WELD"),
    (r"(^|_)(order|production_order)(_number)?$", "PO-1001"),
    (r"(^|_)(version|costing_version)(_code)?$", "STD-2026-10"),
    (r"(^|_)number$", "PO-1001"),
    (r"(^|_)code$", "MAIN"),
    (r"(^|_)(name|description|title|reason|note|notes|memo|text|comment)$", "Steel bracket"),
    (r"(^|_)reference$", "CC-ORD-7781"),
    (r"(^|_)task_id$", "0b7a4f2e-1c3d-4e5f-8a9b-0c1d2e3f4a5b"),
]

DECIMAL_NAMES: list[tuple[str, str]] = [
    (r"percent|tolerance|rate_pct|_pct$|share", "10"),
    (r"price|unit_cost|cost_per|rate|standard_cost|unit_amount", "5.20"),
    (r"hours|time|setup|run", "2.5"),
    (r"weight", "2.5"),
    (r"lot_size|factor", "1"),
    (r"quantity|qty|good|scrap|rejected|consumed|remaining|on_hand|output", "50"),
    (r"amount|value|cost|debit|credit|balance|total|variance", "1250.00"),
]


def _decimal_places(schema: dict) -> int | None:
    match = re.search(r"\\\.\\d\{0,(\d+)\}", schema.get("pattern", ""))
    return int(match.group(1)) if match else None


def _decimal_example(name: str, schema: dict) -> str:
    from decimal import Decimal

    base = "1250.00"
    for pattern, value in DECIMAL_NAMES:
        if re.search(pattern, name):
            base = value
            break
    places = _decimal_places(schema)
    number = Decimal(base)
    if places is None:
        return str(number)
    return f"{number:.{places}f}"


# The number of a record by the component it belongs to (an item's number is not an order's).
NUMBERS_BY_COMPONENT = [
    (r"^(Item|Bom|Routing|StandardCost|Comparison)", "BRACKET"),
    (r"^(Account|Trial|Balance)", "1310"),
    (r"^(Journal)", "1042"),
    (r"^(Vendor|Receipt|Invoice|Shipment|Report|Subcontracting|Material)", "SC-1001"),
]


def _string_example(name: str, schema: dict, component: str = ""):
    fmt = schema.get("format")
    if fmt == "date":
        return "2026-10-05"
    if fmt == "date-time":
        return "2026-10-05T08:30:00Z"
    if fmt == "decimal":
        return _decimal_example(name, schema)
    if fmt == "uuid":
        return "6f1c2a9e-4b7d-4e5a-9c3f-2d8b1a0e7f64"
    if fmt in ("uri", "url"):
        return "https://mfgcost.example.com/api/production/orders/1/"
    if fmt == "email":
        return "buyer@example.com"
    if name == "number":
        for pattern, value in NUMBERS_BY_COMPONENT:
            if re.search(pattern, component):
                return value
    for pattern, value in NAMED_VALUES:
        if re.search(pattern, name):
            text = str(value)
            break
    else:
        text = "Steel bracket"
    max_length = schema.get("maxLength")
    return text[:max_length] if max_length else text


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def example_for(
    schema: dict, components: dict, *, name: str = "", depth: int = 0, component: str = ""
):
    """A realistic value that conforms to ``schema`` (a component reference or inline)."""
    if "$ref" in schema:
        component = schema["$ref"].rsplit("/", 1)[1]
    schema = _resolve(schema, components)
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        values = [v for v in schema["enum"] if v not in (None, "")]
        return values[0] if values else None
    for combinator in ("allOf", "oneOf", "anyOf"):
        if schema.get(combinator):
            options = [
                o for o in schema[combinator] if _resolve(o, components).get("enum") != [None]
            ]
            if combinator == "allOf" and len(options) > 1:
                merged: dict = {}
                for option in options:
                    value = example_for(
                        option, components, name=name, depth=depth, component=component
                    )
                    if isinstance(value, dict):
                        merged.update(value)
                return merged
            return example_for(options[0], components, name=name, depth=depth, component=component)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 6:
            return {}
        value = {}
        for field, field_schema in schema.get("properties", {}).items():
            value[field] = example_for(
                field_schema, components, name=field, depth=depth + 1, component=component
            )
        return value
    if kind == "array":
        if depth > 6:
            return []
        item = example_for(
            schema.get("items", {}), components, name=name, depth=depth + 1, component=component
        )
        return [item]
    if kind == "integer":
        minimum = schema.get("minimum", 1)
        if name in ("count",) or name.endswith("_count"):
            return max(minimum, 2)
        if name in ("limit",):
            return 100
        if name in ("offset",):
            return 0
        return max(minimum, 1) if minimum is not None else 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return False
    if kind == "string":
        return _string_example(name, schema, component)
    return None


def schema_examples_complete(result, generator, request, public):
    """Give every request and 2xx response body without an example one built from its schema."""
    components = result.get("components", {}).get("schemas", {})
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            bodies = list(operation.get("requestBody", {}).get("content", {}).values())
            for code, response in operation["responses"].items():
                if code.startswith("2"):
                    bodies.extend(response.get("content", {}).values())
            for media in bodies:
                if media.get("examples") or "schema" not in media:
                    continue
                value = example_for(media["schema"], components)
                if value is not None:
                    media["examples"] = {"Example": {"value": value}}
    return result

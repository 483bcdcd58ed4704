"""Every route of the URL resolver as a concrete path, so new routes are walked by themselves."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

_ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    template: str  # "api/production/orders/{pk}/operations/"
    parameters: tuple[str, ...]
    callback: object

    def path(self, values: dict[str, str]) -> str:
        return "/" + self.template.format(**values)


def _piece(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        # DRF's suffix converter matches the dot too (the router's index as "api/ledger/.json").
        route = str(pattern._route).replace("<drf_format_suffix:format>", ".<format>")
        return _ROUTE_PARAMETER.sub(r"{\1}", route)
    if isinstance(pattern, RegexPattern):
        text = _REGEX_GROUP.sub(r"{\1}", pattern._regex)
        text = text.removeprefix("^").removesuffix("$").replace("/?", "/").replace("\\.", ".")
        if any(char in text for char in "()[]*+?\\|"):
            raise ValueError(f"cannot walk the pattern {pattern._regex!r}")
        return text
    raise ValueError(f"unknown pattern type {pattern!r}")


def routes(resolver: URLResolver | None = None, prefix: str = "") -> list[Route]:
    """Every URL pattern below ``resolver`` (the project's root by default)."""
    resolver = resolver or get_resolver()
    found: list[Route] = []
    for entry in resolver.url_patterns:
        template = prefix + _piece(entry.pattern)
        if isinstance(entry, URLResolver):
            found.extend(routes(entry, template))
        elif isinstance(entry, URLPattern):
            names = tuple(re.findall(r"{(\w+)}", template))
            found.append(Route(template, names, entry.callback))
    return found


def resolves_to(route: Route, path: str) -> bool:
    return resolve(path).func is route.callback


def one_row_of_each_model(*, on_date) -> list[str]:
    """Make one row of each installed model that has none, filling its required fields with
    plain values and its relations with existing rows (made first when missing).

    The route walk needs an object behind every object route; the rows of the documents it
    posts come from the services, and this fills in the rest (master data, run records).
    Returns the models it could not make, with the reason.
    """
    import datetime as dt
    from decimal import Decimal

    from django.apps import apps
    from django.db import IntegrityError, models, transaction
    from django.utils import timezone

    failures: dict[str, str] = {}

    def value_for(field, model):
        if field.choices:
            return field.choices[0][0]
        if isinstance(field, models.ForeignKey | models.OneToOneField):
            target = field.related_model
            if isinstance(field, models.OneToOneField) or field.unique:
                return make(target, fresh=True)
            return target.objects.order_by("pk").first() or make(target)
        if isinstance(field, models.DecimalField):
            return Decimal("1")
        if isinstance(field, models.BooleanField):
            return False
        if isinstance(field, models.IntegerField):
            return 1
        if isinstance(field, models.DateTimeField):
            return timezone.now()
        if isinstance(field, models.DateField):
            return on_date
        if isinstance(field, models.DurationField):
            return dt.timedelta(seconds=1)
        if isinstance(field, models.JSONField):
            return {}
        if isinstance(field, models.CharField | models.TextField):
            text = f"W{model.objects.count() + 1}"
            return text[: field.max_length] if field.max_length else text
        return None

    def make(model, fresh: bool = False):
        if not fresh:
            existing = model.objects.order_by("pk").first()
            if existing is not None:
                return existing
        values = {}
        for field in model._meta.concrete_fields:
            if field.primary_key or field.has_default() or field.null or field.blank:
                if not isinstance(field, models.ForeignKey | models.OneToOneField) or field.null:
                    continue
            if getattr(field, "db_default", models.NOT_PROVIDED) is not models.NOT_PROVIDED:
                continue
            value = value_for(field, model)
            if value is not None:
                values[field.name] = value
        with transaction.atomic():
            return model.objects.create(**values)

    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed or model.objects.exists():
            continue
        try:
            make(model)
        except (IntegrityError, ValueError, TypeError, LookupError) as exc:
            failures[model._meta.label] = f"{type(exc).__name__}: {exc}"[:200]
    return [f"{label}: {reason}" for label, reason in sorted(failures.items())]

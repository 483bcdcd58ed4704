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

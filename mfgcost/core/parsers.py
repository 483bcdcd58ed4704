"""Parsers of the REST API that refuse control characters, and the same for query strings.

A string (or key) holding a control character other than tab, line feed and carriage return, or
a lone UTF-16 surrogate, is refused with a 400 naming the field (``lines[0].description``) or
the query parameter: the database would refuse such a text with a server error, and no code,
name or description needs one. This module imports only the parsers of REST framework, so the
settings can name it without an import cycle.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rest_framework import parsers
from rest_framework.exceptions import ValidationError

# C0 controls but tab, line feed and carriage return; DEL; lone UTF-16 surrogates (JSON can
# carry them as "\ud800" but no database can store them).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
CONTROL_MESSAGE = "Control characters (such as a NUL byte) are not allowed."


def _control_errors(value, path: str = "") -> dict[str, list[str]]:
    """Fields (``lines[0].description``) of ``value`` whose strings hold a control character."""
    if isinstance(value, str):
        return (
            {path or "non_field_errors": [CONTROL_MESSAGE]}
            if CONTROL_CHARACTERS.search(value)
            else {}
        )
    errors: dict[str, list[str]] = {}
    if isinstance(value, Mapping):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and CONTROL_CHARACTERS.search(key):
                errors[CONTROL_CHARACTERS.sub("?", name)] = [CONTROL_MESSAGE]
                continue
            errors.update(_control_errors(item, name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            errors.update(_control_errors(item, f"{path}[{index}]"))
    return errors


def control_characters_check(data) -> None:
    """Refuse parsed input that holds a control character, naming every field that does."""
    source = data
    if hasattr(data, "lists"):  # a QueryDict: every value of every key
        source = {key: values if len(values) > 1 else values[0] for key, values in data.lists()}
    errors = _control_errors(source)
    if errors:
        raise ValidationError(errors)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        control_characters_check(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        control_characters_check(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        control_characters_check(result.data)
        return result


class ControlCharacterMiddleware:
    """A 400 naming the query parameter (or ``path``) that holds a control character.

    The database would refuse such a string in a filter with a server error; the body of a
    request is checked by the REST parsers above.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import JsonResponse

        errors = {}
        if CONTROL_CHARACTERS.search(request.path):
            errors["path"] = [CONTROL_MESSAGE]
        for key, values in request.GET.lists():
            if CONTROL_CHARACTERS.search(key) or any(CONTROL_CHARACTERS.search(v) for v in values):
                errors[CONTROL_CHARACTERS.sub("?", key)] = [CONTROL_MESSAGE]
        if errors:
            return JsonResponse(errors, status=400)
        return self.get_response(request)

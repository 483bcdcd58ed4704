"""Links between documents and postings across the layers (the drill-down).

A lower layer cannot import a higher one, yet a general-ledger line must lead to the receipt,
the production order or the Adjust Cost run behind it. So each layer registers *link
providers* for the models of the layers below it, and the lower layer asks the registry:

* ``source_register(model_label, provider)``: ``provider(objects)`` returns
  ``{pk: Link}``, the one document that caused each object (a journal entry's inventory
  posting, vendor invoice or manual entry). Batched, so a page of entries costs a query or two.
* ``related_register(model_label, provider)``: ``provider(obj)`` returns links to the
  documents and entries related to one object (an inventory posting's production order, a value
  entry's variance sources), shown on its admin page.

Providers are registered in the ``ready()`` of the app that knows the higher model. A link
names its kind and id, its admin page and, when there is one, its API resource.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class Link:
    kind: str
    id: int | str
    label: str
    admin_url: str = ""
    api_url: str = ""
    # For a journal entry's source: the listing of value entries a line can be narrowed to
    # (``?journal_line=<id>`` is added); empty when the source has no value entries.
    value_entries_api_url: str = ""
    value_entries_admin_url: str = ""


SourceProvider = Callable[[Sequence[models.Model]], dict[int, Link]]
RelatedProvider = Callable[[models.Model], Iterable[Link]]

_sources: dict[str, list[SourceProvider]] = {}
_related: dict[str, list[RelatedProvider]] = {}


def source_register(model_label: str, provider: SourceProvider) -> None:
    """Register a provider of sources for ``model_label`` ("ledger.journalentry")."""
    providers = _sources.setdefault(model_label.lower(), [])
    if provider not in providers:
        providers.append(provider)


def related_register(model_label: str, provider: RelatedProvider) -> None:
    """Register a provider of related links for ``model_label``."""
    providers = _related.setdefault(model_label.lower(), [])
    if provider not in providers:
        providers.append(provider)


def sources_of(objects: Sequence[models.Model]) -> dict[int, Link]:
    """The source of each object, by primary key (the first provider that knows it wins)."""
    objects = list(objects)
    if not objects:
        return {}
    found: dict[int, Link] = {}
    for provider in _sources.get(objects[0]._meta.label_lower, []):
        missing = [obj for obj in objects if obj.pk not in found]
        if not missing:
            break
        for pk, link in provider(missing).items():
            found.setdefault(pk, link)
    return found


def source_of(obj: models.Model) -> Link | None:
    return sources_of([obj]).get(obj.pk)


def related_of(obj: models.Model) -> list[Link]:
    """Every related link the registered providers know for ``obj``, in registration order."""
    links: list[Link] = []
    for provider in _related.get(obj._meta.label_lower, []):
        links.extend(provider(obj))
    return links


def links_html(links: Iterable[Link], separator: str = "<br>") -> str:
    """Links as HTML for a read-only admin field (a dash when there are none)."""
    from django.utils.html import format_html, format_html_join
    from django.utils.safestring import mark_safe

    rows = [(link.admin_url, link.label) for link in links if link.admin_url]
    if not rows:
        return "-"
    return format_html_join(mark_safe(separator), '<a href="{}">{}</a>', rows) or format_html("-")

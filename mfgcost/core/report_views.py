"""Admin views of the registered reports: the index and one page per report, with exports.

The views are added to the admin site's own URLs (``admin:reports``, ``admin:report``), so they
sit behind the admin login and inside its layout. A report's filters come from the query
string; filters that do not validate give a 400 page naming the field, an export without the
filters it needs likewise. Each report has a permission; without it the page is a 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from . import reports

EXPORTS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool
    url: str = ""
    colour: str = ""


def _cells(table: reports.Table, row: dict) -> list[Cell]:
    links = row.get("links", {})
    colour = row.get("colour", "")
    keys = [column.key for column in table.columns]
    # A row's colour (its cost group's) marks the cost-group cell, else the first one.
    marked = "cost_group" if "cost_group" in keys else keys[0] if keys else None
    return [
        Cell(
            text=reports.format_figure(row.get(column.key), column.kind),
            numeric=column.numeric,
            url=links.get(column.key, ""),
            colour=colour if column.key == marked else "",
        )
        for column in table.columns
    ]


def _displayed(table: reports.Table) -> dict:
    return {
        "title": table.title,
        "columns": table.columns,
        "rows": [_cells(table, row) for row in table.rows],
        "totals": [_cells(table, row) for row in table.totals],
    }


def _query(request: HttpRequest, **changes) -> str:
    query = request.GET.copy()
    for key, value in changes.items():
        query[key] = value
    return "?" + query.urlencode()


def report_urls(site) -> list:
    """The report URLs, to put in front of the admin site's own."""

    def index(request: HttpRequest) -> TemplateResponse:
        visible = [r for r in reports.registered() if request.user.has_perm(r.permission)]
        return TemplateResponse(
            request,
            "admin/reports/index.html",
            {**site.each_context(request), "title": "Reports", "reports": visible},
        )

    def report(request: HttpRequest, slug: str) -> HttpResponse:
        report_class = reports.report_for(slug)
        if report_class is None:
            raise Http404(f"No report {slug!r}.")
        if not request.user.has_perm(report_class.permission):
            raise PermissionDenied(f"You need the permission {report_class.permission}.")
        export = request.GET.get("format", "")
        if export and export not in EXPORTS:
            return HttpResponse(
                "format: choose csv or xlsx.", status=400, content_type="text/plain"
            )
        data = request.GET.copy()
        data.pop("format", None)
        form = report_class.filter_form(data)
        valid = form.is_valid()
        instance = report_class(form.cleaned_data if valid else {})
        if export:
            if not valid:
                errors = "; ".join(f"{name}: {' '.join(e)}" for name, e in form.errors.items())
                return HttpResponse(errors, status=400, content_type="text/plain")
            if not instance.ready:
                missing = [f for f in instance.required_filters if not form.cleaned_data.get(f)]
                return HttpResponse(
                    f"{', '.join(missing)}: choose a value to export the report.",
                    status=400,
                    content_type="text/plain",
                )
            content_type, extension = EXPORTS[export]
            body = instance.to_csv().encode() if export == "csv" else instance.to_xlsx()
            response = HttpResponse(body, content_type=content_type)
            response["Content-Disposition"] = f'attachment; filename="{slug}.{extension}"'
            return response
        tables = instance.tables() if valid and instance.ready else []
        context = {
            **site.each_context(request),
            "title": report_class.title,
            "report": instance,
            "report_class": report_class,
            "form": form,
            "tables": tables,
            "displayed": [_displayed(t) for t in tables],
            "charts": instance.charts() if tables else [],
            "legend": instance.legend() if tables else [],
            "csv_url": _query(request, format="csv"),
            "xlsx_url": _query(request, format="xlsx"),
        }
        return TemplateResponse(
            request, "admin/reports/report.html", context, status=200 if valid else 400
        )

    return [
        path("reports/", site.admin_view(index), name="reports"),
        path("reports/<slug:slug>/", site.admin_view(report), name="report"),
    ]

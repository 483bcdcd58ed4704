"""REST API routes of every app, under ``/api/``."""

from django.urls import include, path

urlpatterns = [
    path("ledger/", include("ledger.urls")),
    path("inventory/", include("mfgcost.inventory.urls")),
    path("items/", include("mfgcost.items.urls")),
    path("production/", include("mfgcost.production.urls")),
    path("costing/", include("mfgcost.costing.urls")),
    path("subcontracting/", include("subcontracting.urls")),
    path("costacct/", include("mfgcost.costacct.urls")),
    path("close/", include("mfgcost.close.urls")),
    path("lean/", include("mfgcost.lean.urls")),
]

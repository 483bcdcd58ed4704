"""Routes of the costing API, under ``/api/costing/``."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

app_name = "costing"

router = DefaultRouter()
router.register("runs", api.AdjustCostRunViewSet, basename="run")

urlpatterns = [
    path("adjust/", api.AdjustCostView.as_view(), name="adjust"),
    path("pending/", api.PendingView.as_view(), name="pending"),
    path("orders/<str:number>/cost-sheet/", api.CostSheetView.as_view(), name="cost-sheet"),
    path("wip/", api.WipView.as_view(), name="wip"),
    path("inventory-value/", api.InventoryValueView.as_view(), name="inventory-value"),
    path("variance-sources/", api.VarianceSourcesView.as_view(), name="variance-sources"),
    *router.urls,
]

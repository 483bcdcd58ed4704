"""Routes of the items API, under ``/api/items/``."""

from rest_framework.routers import DefaultRouter

from . import api

app_name = "items"

router = DefaultRouter()
router.register("units", api.UnitOfMeasureViewSet, basename="unit")
router.register("unit-conversions", api.UnitConversionViewSet, basename="unitconversion")
router.register("cost-groups", api.CostGroupViewSet, basename="costgroup")
router.register("work-centers", api.WorkCenterViewSet, basename="workcenter")
router.register("items", api.ItemViewSet, basename="item")
router.register("costing-sheets", api.CostingSheetViewSet, basename="costingsheet")
router.register("costing-versions", api.CostingVersionViewSet, basename="costingversion")
router.register("routings", api.RoutingVersionViewSet, basename="routingversion")
router.register("boms", api.BomVersionViewSet, basename="bomversion")
router.register("standard-costs", api.StandardCostViewSet, basename="standardcost")

urlpatterns = router.urls

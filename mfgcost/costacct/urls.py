"""Routes of the cost-accounting API, under ``/api/costacct/``."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

app_name = "costacct"

router = DefaultRouter()
router.register("categories", api.CostCategoryViewSet, basename="category")
router.register("versions", api.CalculationVersionViewSet, basename="version")
router.register("rules", api.CalculationRuleViewSet, basename="rule")
router.register("calculations", api.CalculationViewSet, basename="calculation")
router.register("cost-entries", api.CostEntryViewSet, basename="cost-entry")
router.register("service-entries", api.ServiceEntryViewSet, basename="service-entry")
router.register("calculation-entries", api.CalculationEntryViewSet, basename="calculation-entry")

urlpatterns = [
    path("service-journal/", api.ServiceJournalView.as_view(), name="service-journal"),
    path("reconcile/", api.ReconcileView.as_view(), name="reconcile"),
    path("calculate/", api.CalculateView.as_view(), name="calculate"),
    path("statement/", api.StatementView.as_view(), name="statement"),
    path("rates/", api.RatesView.as_view(), name="rates"),
    path("rates/propose/", api.RatesProposeView.as_view(), name="rates-propose"),
    *router.urls,
]

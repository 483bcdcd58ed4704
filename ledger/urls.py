"""Routes of the general ledger API, under ``/api/ledger/``."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

app_name = "ledger"

router = DefaultRouter()
router.register("accounts", api.AccountViewSet, basename="account")
router.register("cost-centers", api.CostCenterViewSet, basename="costcenter")
router.register("cost-objects", api.CostObjectViewSet, basename="costobject")
router.register("fiscal-years", api.FiscalYearViewSet, basename="fiscalyear")
router.register("periods", api.PeriodViewSet, basename="period")
router.register("journals", api.JournalViewSet, basename="journal")
router.register("journal-entries", api.JournalEntryViewSet, basename="journalentry")

urlpatterns = [
    path("trial-balance/", api.TrialBalanceView.as_view(), name="trial-balance"),
    path(
        "balances-by-dimension/", api.DimensionBalancesView.as_view(), name="balances-by-dimension"
    ),
    *router.urls,
]

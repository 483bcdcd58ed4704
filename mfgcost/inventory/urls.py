"""Routes of the inventory API, under ``/api/inventory/``."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

app_name = "inventory"

router = DefaultRouter()
router.register("locations", api.LocationViewSet, basename="location")
router.register("posting-setups", api.InventoryPostingSetupViewSet, basename="postingsetup")
router.register("item-ledger-entries", api.ItemLedgerEntryViewSet, basename="itemledgerentry")
router.register("value-entries", api.ValueEntryViewSet, basename="valueentry")
router.register("postings", api.InventoryPostingViewSet, basename="posting")
router.register("applications", api.ItemApplicationViewSet, basename="application")

urlpatterns = [
    path("receipts/", api.ReceiptView.as_view(), name="receipt"),
    path("invoices/", api.InvoiceView.as_view(), name="invoice"),
    path("sales/", api.SaleView.as_view(), name="sale"),
    path("adjustments/", api.AdjustmentView.as_view(), name="adjustment"),
    path("transfers/", api.TransferView.as_view(), name="transfer"),
    path("valuation/", api.ValuationView.as_view(), name="valuation"),
    path("reconciliation/", api.ReconciliationView.as_view(), name="reconciliation"),
    *router.urls,
]

"""Routes of the close API, under ``/api/close/``."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

app_name = "close"

router = DefaultRouter()
router.register("runs", api.CloseRunViewSet, basename="run")

urlpatterns = [
    path("reopen/", api.ReopenView.as_view(), name="reopen"),
    path("preview/invoice/", api.InvoicePreviewView.as_view(), name="preview-invoice"),
    path("preview/receipt/", api.ReceiptPreviewView.as_view(), name="preview-receipt"),
    *router.urls,
]

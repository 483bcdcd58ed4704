"""Routes under ``/api/subcontracting/``: purchasing at the top, vendors under ``vendor/``."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import api

purchasing = DefaultRouter()
purchasing.register("vendors", api.VendorViewSet, basename="sub-vendor")
purchasing.register("prices", api.ServicePriceViewSet, basename="sub-price")
purchasing.register("orders", api.OrderViewSet, basename="sub-order")
purchasing.register("worksheet", api.WorksheetViewSet, basename="sub-worksheet")
purchasing.register("shipments", api.MaterialShipmentViewSet, basename="sub-shipment")
purchasing.register("returns", api.MaterialReturnViewSet, basename="sub-return")
purchasing.register("receipts", api.ReceiptViewSet, basename="sub-receipt")
purchasing.register("invoices", api.InvoiceViewSet, basename="sub-invoice")
purchasing.register("reports", api.VendorReportViewSet, basename="sub-report")
purchasing.register("shipment-notices", api.ShipmentNoticeViewSet, basename="sub-notice")
purchasing.register("material-at-vendors", api.MaterialAtVendorViewSet, basename="sub-material")

vendor = DefaultRouter()
vendor.include_root_view = False
vendor.register("orders", api.VendorOrderViewSet, basename="vendor-order")
vendor.register("reports", api.VendorOwnReportViewSet, basename="vendor-report")
vendor.register("shipment-notices", api.VendorOwnNoticeViewSet, basename="vendor-notice")
vendor.register("shipments", api.VendorShipmentViewSet, basename="vendor-shipment")
vendor.register("receipts", api.VendorReceiptViewSet, basename="vendor-receipt")
vendor.register("material", api.VendorMaterialViewSet, basename="vendor-material")

urlpatterns = [
    path("vendor/", include(vendor.urls)),
    path("", include(purchasing.urls)),
]

"""Routes of the production API, under ``/api/production/``."""

from rest_framework.routers import DefaultRouter

from .api import OrderViewSet

router = DefaultRouter()
router.register("orders", OrderViewSet, basename="production-order")

urlpatterns = router.urls

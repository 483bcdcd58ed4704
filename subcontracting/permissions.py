"""Who may call what: purchasing (staff with model permissions) and vendors (their own orders).

Purchasing routes use the project's permission class (``mfgcost.core.permissions``) with
``staff_required``; this app registers the vendor link as its outside-user check, so a vendor's
user is never purchasing, even if someone made it staff: the two sides of the API are kept apart
by the vendor link, not by flags alone. Vendors' routes use ``IsVendorUser``.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.permissions import BasePermission
from rest_framework.throttling import UserRateThrottle

from .selectors import vendor_of_user

DEFAULT_THROTTLE_RATES = {"subcontracting": "2000/min", "subcontracting_vendor": "600/min"}


class IsVendorUser(BasePermission):
    """A user linked to a vendor that is not blocked."""

    message = "This part of the API is for vendors' users."

    def has_permission(self, request, view) -> bool:
        vendor = vendor_of_user(request.user)
        return vendor is not None and not vendor.blocked


class _ScopedUserThrottle(UserRateThrottle):
    """Requests per user and scope; rates from ``SUBCONTRACTING_THROTTLE_RATES`` if set."""

    def get_rate(self) -> str:
        rates = {**DEFAULT_THROTTLE_RATES, **getattr(settings, "SUBCONTRACTING_THROTTLE_RATES", {})}
        return rates[self.scope]


class PurchasingThrottle(_ScopedUserThrottle):
    scope = "subcontracting"


class VendorThrottle(_ScopedUserThrottle):
    scope = "subcontracting_vendor"

"""Who may call what: purchasing (staff with model permissions) and vendors (their own orders).

A vendor's user is never purchasing, even if someone made it staff: the two sides of the API
are kept apart by the vendor link, not by flags alone.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.permissions import BasePermission, DjangoModelPermissions
from rest_framework.throttling import UserRateThrottle

from .selectors import vendor_of_user

DEFAULT_THROTTLE_RATES = {"subcontracting": "2000/min", "subcontracting_vendor": "600/min"}


class PurchasingPermission(DjangoModelPermissions):
    """Staff users with the model permission the request needs (view for reads).

    A view can name other permissions per action in ``action_permissions``
    (``{"send": ["subcontracting.change_subcontractingorder"]}``).
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            return False
        if vendor_of_user(user) is not None:
            return False
        action_permissions = getattr(view, "action_permissions", {})
        action = getattr(view, "action", None)
        if action in action_permissions:
            return user.has_perms(action_permissions[action])
        return super().has_permission(request, view)


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

"""The admin site: Django's, except that outside users (vendors' users) never enter it.

A vendor's user may have been made staff, even superuser, by mistake; the vendor link wins over
the flags (see :mod:`mfgcost.core.permissions`). Such a user cannot sign in here, and a session
that already has one gets 403 on every admin page. A signed-in user without admin access gets
403 too instead of being sent back to the login form; anonymous visitors still go to the login.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError

from .permissions import OUTSIDE_USER_MESSAGE, is_outside_user


class InsiderAuthenticationForm(AdminAuthenticationForm):
    """The admin login form; refuses an outside user even with a staff flag."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if is_outside_user(user):
            raise ValidationError(OUTSIDE_USER_MESSAGE, code="outside_user")


class InsiderAdminSite(admin.AdminSite):
    login_form = InsiderAuthenticationForm

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and not is_outside_user(request.user)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request, *args, **kwargs):
            user = request.user
            if user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied(OUTSIDE_USER_MESSAGE if is_outside_user(user) else "")
            return inner(request, *args, **kwargs)

        return guarded

    def login(self, request, extra_context=None):
        if is_outside_user(request.user):
            raise PermissionDenied(OUTSIDE_USER_MESSAGE)
        return super().login(request, extra_context)

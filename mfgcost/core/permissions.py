"""Who may call the API and enter the admin: one rule for every app.

* Every request needs a login and the Django permission of what it touches, reads included:
  ``view_<model>`` for GET, HEAD and OPTIONS, ``add_`` for POST, ``change_`` for PUT and PATCH,
  ``delete_`` for DELETE, on the model of the view's queryset.
* A viewset names the permissions of its commands in ``action_permissions``
  (``{"release": ("production.change_productionorder",)}``); a view without a queryset (a
  report, a document post) names them in ``required_permissions``. A view that names nothing and
  has no model is refused, so a forgotten declaration fails closed.
* A view may ask for staff users only (``staff_required = True``); the router's index pages of
  links ask for staff, since they belong to no model.
* An *outside user* (a vendor's user, registered by the subcontracting app through
  :func:`outside_user_check_register`) is refused everywhere this class guards and in the admin,
  whatever its flags say. Outside users have their own views with their own permission class.

``ModelPermissions`` is the default permission class in ``REST_FRAMEWORK``; the admin site
(:mod:`mfgcost.core.admin_site`) asks :func:`is_outside_user` too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rest_framework.permissions import BasePermission, DjangoModelPermissions

_outside_user_checks: list[Callable[[object], bool]] = []


def outside_user_check_register(check: Callable[[object], bool]) -> None:
    """Register ``check(user) -> bool``: True for a user who belongs to a business partner.

    A higher app (subcontracting, for vendors' users) calls this from ``AppConfig.ready()``;
    registering the same callable twice is harmless.
    """
    if check not in _outside_user_checks:
        _outside_user_checks.append(check)


def is_outside_user(user) -> bool:
    """True when a registered check says the user acts for a partner, not for us."""
    if user is None or not user.is_authenticated:
        return False
    return any(check(user) for check in _outside_user_checks)


OUTSIDE_USER_MESSAGE = "This user acts for a business partner and may use only its own routes."


class ModelPermissions(DjangoModelPermissions):
    """Login plus the model (or declared) permissions, for every method; outside users refused."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if is_outside_user(user):
            self.message = OUTSIDE_USER_MESSAGE
            return False
        if getattr(view, "staff_required", False) and not user.is_staff:
            self.message = "This part of the API is for staff users."
            return False
        perms = self.required_permissions(request, view)
        if perms is None:
            return False
        perms = tuple(perms)
        if perms:
            self.message = f"You need the permission {', '.join(perms)}."
        return user.has_perms(perms)

    def required_permissions(self, request, view) -> Iterable[str] | None:
        """The permissions this request needs, or None when the view declares none (refuse)."""
        action = getattr(view, "action", None)
        declared = getattr(view, "action_permissions", None) or {}
        if action in declared:
            return declared[action]
        if getattr(view, "required_permissions", None) is not None:
            return view.required_permissions
        if getattr(view, "_ignore_model_permissions", False):
            # The router's index of links: no model, no data; staff may browse it.
            return () if request.user.is_staff else None
        if not (hasattr(view, "get_queryset") or getattr(view, "queryset", None) is not None):
            return None
        queryset = self._queryset(view)
        return self.get_required_permissions(request.method, queryset.model)


class IsStaffInsider(BasePermission):
    """A logged-in staff user who is not an outside user (the schema and its docs pages)."""

    message = "The API schema is for staff users."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff and not is_outside_user(user))

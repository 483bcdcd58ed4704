"""``django.contrib.admin`` with the site that keeps outside users out (in INSTALLED_APPS)."""

from django.contrib.admin.apps import AdminConfig


class InsiderAdminConfig(AdminConfig):
    default_site = "mfgcost.core.admin_site.InsiderAdminSite"

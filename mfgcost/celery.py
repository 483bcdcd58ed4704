"""Celery application.

With ``CELERY_BROKER_URL`` unset, tasks run eagerly in the calling process (see settings), so the
demo and the test suite need no broker. With a broker set, a worker runs the period jobs.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mfgcost.settings")

app = Celery("mfgcost")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

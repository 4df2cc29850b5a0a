"""The one Celery app. It reads every ``CELERY_*`` Django setting and finds each app's ``tasks.py``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("hulao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

"""Settings for the test suite. ``DATABASE_URL`` chooses PostgreSQL (CI) or SQLite (default)."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Tasks run eagerly unless a test starts a real worker; the broker is the real Redis when REDIS_URL is set.
CELERY_BROKER_URL = os.environ.get("REDIS_URL") or "memory://"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
FIELD_ENCRYPTION_KEYS = ["q8mJ7m3S6d0F1wE5C2rU9Y4b1p0z8X7v6T5s4R3q2P0="]
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Login lockout is off in tests except where a test turns it on (tests/test_security.py).
AXES_ENABLED = False

"""Encrypted model fields for informant identities.

Values are encrypted with Fernet (AES-128-CBC + HMAC, from the ``cryptography`` package) before
they reach the database, so a raw SQL select shows only tokens. ``FIELD_ENCRYPTION_KEYS`` holds
one or more keys: the first encrypts, all decrypt (key rotation).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        # Development fallback derived from SECRET_KEY; production requires FIELD_ENCRYPTION_KEY.
        import base64

        derived = base64.urlsafe_b64encode(hashlib.sha256(str(settings.SECRET_KEY).encode()).digest())
        return MultiFernet([Fernet(derived)])
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError as exc:  # pragma: no cover - configuration error
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must hold url-safe base64 Fernet keys.") from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_str(value: str) -> str:
    return fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_str(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        return ""


def keyed_hash(value: str) -> str:
    """A keyed hash (HMAC-SHA256) of a normalised value: lets staff find tips naming the same
    phone number without decrypting anything. Empty input gives an empty string."""
    normalised = "".join(value.split()).lower()
    if not normalised:
        return ""
    return hmac.new(str(settings.FIELD_HASH_KEY).encode(), normalised.encode("utf-8"), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text field stored encrypted. Not searchable or sortable in SQL: use ``keyed_hash`` in a
    separate indexed column when a lookup is needed."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt_str(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt_str(value)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "core.fields.EncryptedTextField", args, kwargs

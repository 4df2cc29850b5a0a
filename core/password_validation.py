"""Password validators whose messages reach the user in Chinese."""

from __future__ import annotations

from django.contrib.auth import password_validation

# Aliased so that makemessages does not copy Django's own msgid into our catalogues.
from django.utils.translation import ngettext as django_ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with the message under the msgid its Chinese catalogue translates: Django 5.2
    changed the msgid (``%d`` for ``%(min_length)d``) and the error was shown in English."""

    def get_error_message(self):
        return django_ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}

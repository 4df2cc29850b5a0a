"""Optimistic locking: two people editing the same record, the later save is refused.

A model that people edit concurrently (a lead, a case, a problem) inherits ``VersionedModel``;
its edit form carries the version it was loaded with (``VersionedFormMixin`` adds a hidden field)
and the service saves through ``save_versioned``, which bumps the version only if it is still the
one the user saw. Otherwise ``ConcurrentEditError`` (a DomainError with a Chinese message) is
raised, the view shows the form again with everything the user typed, and nothing is lost.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from .exceptions import DomainError


class ConcurrentEditError(DomainError):
    def __init__(self):
        super().__init__(
            _("保存失败：在您编辑期间，其他人已修改了这条记录。您填写的内容仍在下方，请核对最新内容后再次提交。"),
            code="concurrent_edit",
        )


class VersionedModel(models.Model):
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        abstract = True


def save_versioned(obj: VersionedModel, *, expected_version: int | None, **save_kwargs: Any) -> None:
    """Save ``obj`` if its row is still at ``expected_version``; raise ConcurrentEditError if not.

    The conditional UPDATE locks the row until the surrounding transaction ends, so of two
    simultaneous saves exactly one wins. ``expected_version=None`` skips the check (system jobs).
    """
    with transaction.atomic():
        if obj.pk is not None and expected_version is not None:
            changed = (
                type(obj)._base_manager.filter(pk=obj.pk, version=expected_version).update(version=F("version") + 1)
            )
            if changed != 1:
                raise ConcurrentEditError()
            obj.version = expected_version + 1
        elif obj.pk is not None:
            type(obj)._base_manager.filter(pk=obj.pk).update(version=F("version") + 1)
            obj.refresh_from_db(fields=["version"])
        update_fields = save_kwargs.get("update_fields")
        if update_fields is not None:
            save_kwargs["update_fields"] = list({*update_fields, "version"})
        obj.save(**save_kwargs)


class VersionedFormMixin(forms.Form):
    """Adds the hidden ``version`` the record had when the form was shown."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and getattr(instance, "pk", None) and not self.is_bound:
            self.initial["version"] = instance.version

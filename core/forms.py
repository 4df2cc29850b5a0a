"""Form pieces shared by every app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .uploads import validate_upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, each checked by ``core.uploads.validate_upload`` (size and
    content type). ``images_only`` restricts to pictures (e.g. inspection photos)."""

    widget = MultipleFileInput

    def __init__(self, *args, images_only: bool = False, **kwargs):
        self.images_only = images_only
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("附件"))
        super().__init__(*args, **kwargs)
        if images_only:
            self.widget.attrs.setdefault("accept", "image/*")

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        errors = []
        for upload in files:
            try:
                validate_upload(upload, images_only=self.images_only)
            except forms.ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise forms.ValidationError(errors)
        return files

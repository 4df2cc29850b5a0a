"""Writes shared by every app."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import Attachment
from .uploads import validate_upload


def attachments_add(
    *, obj: models.Model, files: Iterable[Any], user: Any = None, images_only: bool = False, note: str = ""
) -> list[Attachment]:
    """Attach uploaded files to ``obj`` after checking each (size, type by content)."""
    ct = ContentType.objects.get_for_model(obj.__class__)
    created = []
    for upload in files:
        kind = validate_upload(upload, images_only=images_only)
        attachment = Attachment(
            content_type=ct,
            object_id=obj.pk,
            original_name=os.path.basename(upload.name)[:200],
            extension=kind.extension,
            mime=kind.mime,
            size=upload.size,
            is_image=kind.is_image,
            note=note,
            uploaded_by=user if getattr(user, "is_authenticated", False) else None,
        )
        attachment.file.save("upload", upload, save=False)
        attachment.save()
        created.append(attachment)
    return created


def attachments_of(obj: models.Model) -> models.QuerySet[Attachment]:
    """One query."""
    ct = ContentType.objects.get_for_model(obj.__class__)
    return Attachment.objects.filter(content_type=ct, object_id=obj.pk).select_related("uploaded_by")

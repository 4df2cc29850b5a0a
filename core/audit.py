"""The audit trail: who, when, which fields changed, and why.

django-auditlog records every create, update and delete of a registered model (register it in
the app's ``AppConfig.ready``) into ``core.AuditEntry``. The request middleware below sets the
actor; services add the reason with ``audit_context``::

    with audit_context(actor=user, reason="核查属实，移送打击组"):
        lead.save()

Contexts nest: the inner one applies to saves inside it and the outer one is restored after it.
"""

from __future__ import annotations

import contextlib
import datetime
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from auditlog.context import auditlog_value
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import pre_save
from django.utils import timezone, translation
from django.utils.translation import gettext

from .models import AuditEntry
from .net import client_ip
from .visibility import ScopedQuerySet


def _apply_context(sender, instance, signal_duid, **kwargs) -> None:
    try:
        data = auditlog_value.get()
    except LookupError:
        return
    if data.get("signal_duid") != signal_duid:
        return
    actor = data.get("actor")
    if actor is not None and getattr(actor, "is_authenticated", False) and instance.actor_id is None:
        instance.actor = actor
        instance.actor_email = getattr(actor, "email", None) or None
    if data.get("reason") and not instance.reason:
        instance.reason = data["reason"]
    extra = instance.additional_data if isinstance(instance.additional_data, dict) else {}
    if data.get("action") and not extra.get("action"):
        # the declared action (``core.rules``) and the reason as typed: the timeline names the
        # step in the reader's language (see ``describe``)
        instance.additional_data = {**extra, "action": data["action"], "note": data["note"]}
    elif data.get("required") and not extra.get("action"):
        instance.additional_data = {**extra, "action": data["required"]}  # the action the service asked for
    for key in ("remote_addr", "remote_port"):
        if data.get(key) and not getattr(instance, key):
            setattr(instance, key, data[key])


@contextlib.contextmanager
def audit_context(
    *, actor: Any = None, reason: str = "", remote_addr: str | None = None, action: str = "", note: str = ""
) -> Iterator[None]:
    """Attach an actor (and a reason) to every audit entry written inside the block; ``action``
    names the declared action (``rules.transition`` passes it, with ``note``, the reason as typed)."""
    try:
        outer = auditlog_value.get()
    except LookupError:
        outer = {}
    duid = ("hulao-audit", time.monotonic_ns(), id(object()))
    data = {
        "actor": actor if actor is not None else outer.get("actor"),
        "reason": reason,
        "action": action,
        "note": note,
        "required": outer.get("required", ""),
        "remote_addr": remote_addr or outer.get("remote_addr"),
        "remote_port": outer.get("remote_port"),
        "signal_duid": duid,
    }
    token = auditlog_value.set(data)

    def receiver(sender, instance, **kwargs):
        _apply_context(sender, instance, duid)

    pre_save.connect(receiver, sender=AuditEntry, dispatch_uid=duid, weak=False)
    try:
        yield
    finally:
        pre_save.disconnect(sender=AuditEntry, dispatch_uid=duid)
        auditlog_value.reset(token)


def note_required(name: str) -> None:
    """``rules.require`` tells the enclosing audit context which action is being done, so the
    writes that follow are named by it in the timeline (first one wins; nothing outside a context)."""
    try:
        data = auditlog_value.get()
    except LookupError:
        return
    if isinstance(data, dict) and not data.get("required"):
        data["required"] = name


class AuditActorMiddleware:
    """Sets the signed-in user (and client address) as the actor of every change in the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        with audit_context(actor=actor, remote_addr=client_ip(request)):
            return self.get_response(request)


class Timeline(list):
    """The entries a timeline shows; ``truncated`` when the object has more than were read (the
    page then links to the whole history)."""

    truncated = False


def timeline_for(obj: models.Model, limit: int | None = 200, user: Any = None) -> Timeline:
    """The audit entries of one object, newest first, with their actors, described for the reader
    (``describe``; with ``user``, a foreign key to a record the user may not see is not named).
    At most ``limit`` (None: all); one more is read to tell whether there are more (``truncated``).
    One query (index ``audit_object_timeline``), and one per model the entries' foreign keys
    point to."""
    ct = ContentType.objects.get_for_model(obj.__class__)
    qs = (
        AuditEntry.objects.filter(content_type=ct, object_id=obj.pk)
        .select_related("actor")
        .defer("serialized_data")  # the object's whole state at the time: the timeline never shows it
        .order_by("-timestamp", "-pk")
    )
    entries = Timeline(qs[: limit + 1] if limit else qs)
    if limit and len(entries) > limit:
        del entries[limit:]
        entries.truncated = True
    for entry in entries:  # all share the object's (cached) content type: no join, no query per entry
        entry.content_type = ct
    describe(entries, obj.__class__, user=user)
    return entries


# --- the timeline in the reader's words --------------------------------------------------------


#: Bookkeeping a reader does not need in the timeline (the entry's own time says when).
HIDDEN_FIELDS = frozenset({"version", "updated_at", "created_at"})


@dataclass(frozen=True)
class Change:
    label: str
    old: str = ""
    new: str = ""
    text: str = ""  # a change that is no "old → new" (a many-to-many addition)


def _empty() -> str:
    return gettext("（空）")


_labels_cache: dict[Any, dict[str, Any]] = {}


def _action_labels() -> dict[str, Any]:
    """Each declared action's label, as written into reasons ("label：reason") in either
    language, for entries written before the action name was recorded. Built once per set of
    declared actions (translating every label costs a page a few milliseconds)."""
    from django.conf import settings

    from . import rules

    actions = rules.registry()
    key = (tuple(settings.LANGUAGES), tuple(actions))
    cached = _labels_cache.get(key)
    if cached is not None:
        return cached
    labels: dict[str, Any] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for action in actions.values():
                labels.setdefault(str(action.label), action)
    _labels_cache.clear()
    _labels_cache[key] = labels
    return labels


def _title_and_note(entry: AuditEntry, labels: dict[str, Any] | None) -> tuple[str, str, dict[str, Any] | None]:
    from . import rules

    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    reason = entry.reason or ""
    if entry.action not in (AuditEntry.Action.CREATE, AuditEntry.Action.UPDATE, AuditEntry.Action.DELETE):
        return entry.changes_text, reason, labels
    if labels is None and reason:
        labels = _action_labels()
    known = labels or {}
    head, sep, rest = reason.partition("：")
    if reason in known:  # the reason is only the action's label ("登记线索")
        title_action, note = known[reason], ""
    elif sep and head in known:  # "分派：属地核查", as written by rules.audit_reason
        title_action, note = known[head], rest
    else:
        title_action, note = None, reason
    name = data.get("action")
    if name:
        try:
            title_action = rules.get(name)
        except LookupError:
            pass
        if "note" in data:
            note = data["note"] or ""
    if title_action is not None:
        return str(title_action.label), note, labels
    default = {
        AuditEntry.Action.CREATE: gettext("创建"),
        AuditEntry.Action.UPDATE: gettext("修改"),
        AuditEntry.Action.DELETE: gettext("删除"),
    }[entry.action]
    return default, note, labels


def _fk_targets(
    entries: list[AuditEntry], model: type[models.Model], user: Any = None
) -> dict[type[models.Model], dict[Any, Any]]:
    """Every object named by a foreign key in the entries, one query per related model."""
    wanted: dict[type[models.Model], set[Any]] = {}
    for entry in entries:
        if entry.action != AuditEntry.Action.UPDATE:  # only updates show their changes
            continue
        for name, values in (entry.changes_dict or {}).items():
            field = _field(model, name)
            if field is None or not (field.many_to_one or field.one_to_one) or not isinstance(values, list | tuple):
                continue
            for value in values:
                if value not in (None, "", "None"):
                    wanted.setdefault(field.related_model, set()).add(str(value))
    found: dict[type[models.Model], dict[Any, Any]] = {}
    for related, pks in wanted.items():
        clean = []
        for pk in pks:
            try:
                clean.append(related._meta.pk.to_python(pk))
            except Exception:
                continue
        rows = related._base_manager.all()
        scoped = related._default_manager.all()
        if user is not None and isinstance(scoped, ScopedQuerySet):
            rows = scoped.visible_to(user)  # a record the reader may not open is not named
        found[related] = {str(k): v for k, v in rows.in_bulk(clean).items()}
    return found


def _field(model: type[models.Model], name: str):
    try:
        return model._meta.get_field(name)
    except Exception:
        try:
            return next(f for f in model._meta.concrete_fields if f.attname == name)
        except StopIteration:
            return None


def _display(field: Any, value: Any, targets: dict[type[models.Model], dict[Any, Any]]) -> str:
    if value is None or value == "" or value == "None":
        return _empty()
    if field is None:
        return str(value)
    if field.many_to_one or field.one_to_one:
        target = targets.get(field.related_model, {}).get(str(value))
        return str(target) if target is not None else gettext("（无权查看）")
    if field.choices:
        choices = {str(k): v for k, v in field.flatchoices}
        return str(choices.get(str(value), value))
    if isinstance(field, models.BooleanField):
        truth = value if isinstance(value, bool) else str(value).lower() in ("true", "1")
        return gettext("是") if truth else gettext("否")
    if isinstance(field, models.DateTimeField):
        from dateutil import parser

        try:
            moment = parser.parse(str(value))
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, datetime.UTC)
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
        except (ValueError, OverflowError):
            return str(value)
    text = str(value)
    return text if len(text) <= 200 else text[:200] + "…"


def _m2m(field: Any, change: dict[str, Any]) -> Change:
    """How many objects were added or removed, not which: the entry keeps only their names, and
    the reader may not be allowed to see all of them (a case's source leads of another unit)."""
    operation = {"add": gettext("添加"), "delete": gettext("移除"), "clear": gettext("清空")}.get(
        change.get("operation", ""), change.get("operation", "")
    )
    label = str(field.verbose_name) if field is not None else ""
    count = len(change.get("objects", []) or [])
    return Change(label, text=gettext("%(operation)s %(count)s 项") % {"operation": operation, "count": count})


def describe(entries: list[AuditEntry], model: type[models.Model], user: Any = None) -> None:
    """Give each entry what the timeline shows, in the reader's language: ``title`` (the
    action's label: 分派、签收、反馈…, or 创建/修改/删除), ``note`` (the reason as typed) and
    ``changes_shown`` (field label, old, new: choice labels, 是/否, （空）, a foreign key as the
    object's name, a many-to-many change as 添加/移除 and how many). One query per model a
    foreign key points to."""
    targets = _fk_targets(entries, model, user)
    labels = None
    for entry in entries:
        entry.title, entry.note, labels = _title_and_note(entry, labels)
        shown: list[Change] = []
        if entry.action == AuditEntry.Action.UPDATE:
            for name, values in (entry.changes_dict or {}).items():
                if name in HIDDEN_FIELDS:
                    continue
                field = _field(model, name)
                if isinstance(values, dict):  # many-to-many: {"type": "m2m", "operation": ..., "objects": [...]}
                    shown.append(_m2m(field, values))
                    continue
                if not isinstance(values, list | tuple) or len(values) != 2:
                    continue
                label = str(field.verbose_name) if field is not None and hasattr(field, "verbose_name") else name
                old, new = (_display(field, v, targets) for v in values)
                if old != new:
                    shown.append(Change(label, old, new))
        entry.changes_shown = shown


def replace_in(value: Any, passage: str, replacement: str) -> Any:
    """``value`` (text, or JSON: dicts, lists, text) with every ``passage`` replaced."""
    if isinstance(value, str):
        return value.replace(passage, replacement)
    if isinstance(value, list):
        return [replace_in(v, passage, replacement) for v in value]
    if isinstance(value, dict):
        return {k: replace_in(v, passage, replacement) for k, v in value.items()}
    return value


#: The fields of an entry that carry an object's text.
_TEXT_FIELDS = ("object_repr", "changes_text", "reason", "changes", "serialized_data", "additional_data")


def redact_entries(objects: list[models.Model], passage: str, replacement: str) -> int:
    """Replace ``passage`` by ``replacement`` in every audit entry of ``objects``: the one way an
    entry changes (``AuditEntry.save(_allow_update=True)``), for a redaction the caller has
    recorded with who, when and why. Returns the number of entries changed."""
    changed = 0
    by_type: dict[Any, list[str]] = {}
    for obj in objects:
        by_type.setdefault(ContentType.objects.get_for_model(obj.__class__), []).append(str(obj.pk))
    for ct, pks in by_type.items():
        for entry in AuditEntry.objects.filter(content_type=ct, object_pk__in=pks).iterator():
            updates = {}
            for name in _TEXT_FIELDS:
                value = getattr(entry, name)
                new = replace_in(value, passage, replacement)
                if new != value:
                    updates[name] = new
            if updates:
                for name, value in updates.items():
                    setattr(entry, name, value)
                entry.save(_allow_update=True, update_fields=list(updates))
                changed += 1
    return changed


def record_action(
    obj: models.Model, *, actor: Any, action_text: str, reason: str = "", changes: dict | None = None
) -> AuditEntry:
    """Record an action that is not a field change (e.g. an informant identity was revealed, a
    file was downloaded). ``changes`` must never hold informant data."""
    ct = ContentType.objects.get_for_model(obj.__class__)
    return AuditEntry.objects.create(
        content_type=ct,
        object_pk=str(obj.pk),
        object_id=obj.pk if isinstance(obj.pk, int) else None,
        object_repr=str(obj)[:200],
        action=AuditEntry.Action.ACCESS,
        changes=changes or {},
        changes_text=action_text,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason,
    )

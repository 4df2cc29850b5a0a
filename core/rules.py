"""Who may do what, and when: one place asked by the pages and the services alike.

Reading is ``core.visibility`` (``visible_to``); writing is this module. Each area declares its
actions once, in ``<area>/rules.py``, and registers them::

    rules.register(
        rules.Action(
            "leads.refer",                      # <area>.<verb>
            _("分派"),                           # what the button says
            model=Lead,                         # which objects (None: an action on no object, e.g. create)
            who=street_office,                  # a Predicate over the user's scope and the object
            sources={S.REGISTERED, S.RETURNED}, # from which states (``state`` names the field)
            target=S.REFERRED,                  # to which state (None: the state does not change)
            guards=(rules.Guard(lambda lead: ..., _("…")),),  # what else must hold, with the reason
            url="leads:action",                 # the form's URL (the page links it when allowed)
            confirm=_("…"),                     # irreversible or hard to undo: the form asks first, saying what happens
        ),
    )

``check(user, name, obj)`` answers with a ``Decision`` (true, or false with a reason in Chinese);
``require`` raises instead (``Refused``, a 403, when the user may never do it to this object;
``DomainError`` when the object's state or a guard stands in the way now); ``allowed(user, obj)``
is the set of action names a page offers. ``transition`` is the one way to move an object: lock
the row, check, set the target state and the fields, bump the version, save with the audit entry
and its reason, and queue side effects after commit.

Predicates see the user's ``Scope`` (unit, unit kind, role, unit codes, hosted groups): a level
above the street office (a city office) is then a new predicate over new scope data, not a rewrite.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .audit import audit_context, note_required
from .concurrency import ConcurrentEditError, VersionedModel
from .exceptions import DomainError
from .visibility import in_jurisdiction, scope_of

if TYPE_CHECKING:
    from organization.models import Scope

M = TypeVar("M", bound=models.Model)


class Refused(PermissionDenied):
    """The user may not do this action to this object (403). ``message`` says why, in Chinese."""

    def __init__(self, message: Any):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


# --- predicates: who may ------------------------------------------------------------------------


class _Test(Protocol):
    def __call__(self, user: Any, scope: Scope, obj: Any) -> bool: ...


@dataclass(frozen=True)
class Predicate:
    """A named test of the user's scope (and the object). Combine with ``&``, ``|`` and ``~``.

    ``label`` is what ``docs/permissions.md`` prints for it; ``test(user, scope, obj)`` is only
    called for a signed-in, active user."""

    label: str
    test: _Test

    def __call__(self, user: Any, obj: Any = None) -> bool:
        scope = scope_of(user)
        return scope is not None and bool(self.test(user, scope, obj))

    def __and__(self, other: Predicate) -> Predicate:
        return Predicate(
            f"{self.label} 且 {other.label}",
            lambda u, s, o: self.test(u, s, o) and other.test(u, s, o),
        )

    def __or__(self, other: Predicate) -> Predicate:
        return Predicate(
            f"（{self.label} 或 {other.label}）",
            lambda u, s, o: self.test(u, s, o) or other.test(u, s, o),
        )

    def __invert__(self) -> Predicate:
        return Predicate(f"非{self.label}", lambda u, s, o: not self.test(u, s, o))


def predicate(label: str) -> Callable[[_Test], Predicate]:
    """Decorator: ``@predicate("街道专项办") def street_office(user, scope, obj): ...``."""

    def wrap(test: _Test) -> Predicate:
        return Predicate(label, test)

    return wrap


@predicate("可写账号")
def writer(user: Any, scope: Scope, obj: Any) -> bool:
    return scope.can_write


@predicate("街道专项办")
def street_office(user: Any, scope: Scope, obj: Any) -> bool:
    return scope.is_street_office and scope.can_write


@predicate("社区工作人员")
def community_staff(user: Any, scope: Scope, obj: Any) -> bool:
    return scope.is_community


def in_units(label: str, units: Callable[[Any], Iterable[int | None] | int | None]) -> Predicate:
    """The object belongs to the user's unit (or a working group it hosts): ``units(obj)`` gives
    the unit id (or ids) the object belongs to. Writers only."""

    def test(user: Any, scope: Scope, obj: Any) -> bool:
        if obj is None or not scope.can_write:
            return False
        ids = units(obj)
        if ids is None or isinstance(ids, int):
            ids = (ids,)
        return any(i is not None and i in scope.unit_ids for i in ids)

    return Predicate(label, test)


def unit_code_in(label: str, codes: Iterable[str]) -> Predicate:
    """The user's unit (or a group it hosts) is one of the named units (``UnitCode``). Writers only."""
    wanted = frozenset(codes)
    return Predicate(label, lambda u, s, o: s.can_write and bool(wanted & s.unit_codes))


def has_perm(label: str, perm: str) -> Predicate:
    return Predicate(label, lambda u, s, o: bool(u.has_perm(perm)))


def visible(label: str = "可见") -> Predicate:
    """The object is visible to the user (``core.visibility``): one query, none for the street office."""

    def test(user: Any, scope: Scope, obj: Any) -> bool:
        if obj is None:
            return False
        if scope.sees_all and scope.jurisdiction_ids is None:
            return True
        return bool(type(obj)._default_manager.visible_to(user).filter(pk=obj.pk).exists())

    return Predicate(label, test)


nobody = Predicate("无人", lambda u, s, o: False)


# --- actions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Guard:
    """What must hold besides who and the state: ``test(obj)`` true, or ``message`` is the reason."""

    test: Callable[[Any], bool]
    message: Any


@dataclass(frozen=True)
class Action:
    name: str
    label: Any
    model: type[models.Model] | None
    who: Predicate
    sources: frozenset[str] | None = None
    target: str | None = None
    state: str = "status"
    guards: tuple[Guard, ...] = ()
    needs_reason: bool = False
    url: str | Callable[[Any], str] | None = None
    denied: Any = None  # the refusal when ``who`` fails; default: 您无权“label”
    doc: str = ""
    #: For an irreversible or hard-to-undo action: what will happen, in plain Chinese. The form asks
    #: for confirmation with it (``{% submit_once %}`` → ``static/js/forms.js``); cancel changes nothing.
    confirm: Any = None

    def __post_init__(self) -> None:
        if self.sources is not None and not isinstance(self.sources, frozenset):
            object.__setattr__(self, "sources", frozenset(self.sources))
        if "." not in self.name:
            raise ValueError(f"action names are <area>.<verb>: {self.name!r}")

    @property
    def area(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def verb(self) -> str:
        return self.name.split(".", 1)[1]

    def url_for(self, obj: Any = None) -> str | None:
        """The URL of the action's form (``reverse(url, args=[obj.pk])``, or ``[obj.pk, verb]``
        for a URL with an ``action`` slug; ``url`` may also be a function of the object)."""
        if not self.url:
            return None
        if callable(self.url):  # a URL that needs more than the object's pk
            return self.url(obj)
        from django.urls import NoReverseMatch, reverse

        args: list[Any] = [] if obj is None else [obj.pk]
        try:
            return reverse(self.url, args=args)
        except NoReverseMatch:
            return reverse(self.url, args=[*args, self.verb])


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    kind: str = ""  # "", "who" (never for this user and object), "state", "guard"

    def __bool__(self) -> bool:
        return self.allowed


YES = Decision(True)

_registry: dict[str, Action] = {}


def register(*actions: Action) -> None:
    for action in actions:
        if action.name in _registry and _registry[action.name] != action:
            raise ValueError(f"action {action.name!r} is declared twice")
        _registry[action.name] = action


def get(name: str) -> Action:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"no rule declares the action {name!r} (declare it in <area>/rules.py)") from None


def registry() -> Mapping[str, Action]:
    return dict(_registry)


def actions_for(model: type[models.Model] | None) -> list[Action]:
    """The actions declared on objects of ``model`` (or on no object, for None)."""
    return [a for a in _registry.values() if a.model is model]


def _state_label(obj: Any, action: Action) -> str:
    display = getattr(obj, f"get_{action.state}_display", None)
    return str(display()) if display else str(getattr(obj, action.state, ""))


def check(user: Any, name: str, obj: Any = None) -> Decision:
    """May ``user`` do ``name`` to ``obj`` now? True, or false with the reason in Chinese."""
    action = get(name)
    scope = scope_of(user)
    if scope is None:
        return Decision(False, gettext("请先登录。"), "who")
    if isinstance(obj, models.Model) and not in_jurisdiction(scope, obj):
        return Decision(False, gettext("该事项不属于您的辖区。"), "who")
    if not action.who(user, obj):
        if not writer(user):
            return Decision(False, gettext("您的账号为只读权限。"), "who")
        message = action.denied or _("您无权执行“%(action)s”。") % {"action": action.label}
        return Decision(False, str(message), "who")
    if action.sources is not None and obj is not None and getattr(obj, action.state) not in action.sources:
        return Decision(
            False,
            gettext("当前状态为“%(status)s”，不能%(action)s。")
            % {"status": _state_label(obj, action), "action": action.label},
            "state",
        )
    for guard in action.guards:
        if not guard.test(obj):
            return Decision(False, str(guard.message), "guard")
    return YES


def require(user: Any, name: str, obj: Any = None) -> Action:
    """``check``, raising: ``Refused`` (403) for who, ``DomainError`` for the state or a guard."""
    decision = check(user, name, obj)
    if not decision:
        if decision.kind == "who":
            raise Refused(decision.reason)
        raise DomainError(decision.reason, code=decision.kind)
    note_required(name)
    return get(name)


def allowed(user: Any, obj: Any, names: Iterable[str] | None = None) -> set[str]:
    """The actions on ``obj`` that ``user`` may do now, by verb (``{"refer", "close"}``): what the
    page offers. ``names`` limits the question to some actions (full names)."""
    candidates = [get(n) for n in names] if names is not None else actions_for(type(obj) if obj is not None else None)
    return {a.verb for a in candidates if check(user, a.name, obj)}


def require_reason(action: Action, reason: str) -> str:
    reason = (reason or "").strip()
    if action.needs_reason and not reason:
        raise DomainError(gettext("%(action)s须说明原因。") % {"action": action.label}, code="reason", field="reason")
    return reason


def audit_reason(action: Action, reason: str) -> str:
    return f"{action.label}：{reason}" if reason else str(action.label)


def transition(
    obj: M,
    *,
    user: Any,
    action: str,
    reason: str = "",
    fields: Mapping[str, Any] | Callable[[M], Mapping[str, Any]] | None = None,
    expected_version: int | None = None,
    effects: Iterable[Callable[[M], Any]] = (),
    save: Callable[[M], Any] | None = None,
) -> M:
    """Do ``action`` to ``obj``: the one path of every state change and guarded write.

    In one transaction: lock the row, ``require`` the action on the locked (current) row, check
    the reason, set the action's target state and ``fields`` (a dict, or a function of the locked
    row returning one), bump ``version`` (refusing with ``ConcurrentEditError`` when
    ``expected_version`` is given and stale), save inside ``audit_context`` (the audit entry is
    the history row, with the action's label and the reason), then queue ``effects(obj)`` to run
    after commit. ``save(obj)`` replaces the plain ``obj.save()`` when more rows change with it.
    Returns the saved row.
    """
    act = get(action)
    model = type(obj)
    with transaction.atomic():
        locked = model._base_manager.select_related(None).select_for_update(of=("self",)).get(pk=obj.pk)
        decision = check(user, action, locked)
        if not decision and decision.kind == "who":  # who may act comes before what they typed
            raise Refused(decision.reason)
        reason = require_reason(act, reason)
        require(user, action, locked)
        versioned = isinstance(locked, VersionedModel)  # a report's ``version`` is its edition, not a lock
        if versioned and expected_version is not None and getattr(locked, "version") != expected_version:  # noqa: B009
            raise ConcurrentEditError()
        values = fields(locked) if callable(fields) else (fields or {})
        if act.target is not None and act.state not in values:
            setattr(locked, act.state, act.target)
        for name, value in values.items():
            setattr(locked, name, value)
        if versioned:
            setattr(locked, "version", getattr(locked, "version") + 1)  # noqa: B009, B010  # the row is locked: a form loaded before this is now stale
        with audit_context(actor=user, reason=audit_reason(act, reason), action=act.name, note=reason):
            if save is not None:
                save(locked)
            else:
                locked.save()
        for effect in effects:
            transaction.on_commit(functools.partial(effect, locked))
    return locked


# --- the declarations as documentation ---------------------------------------------------------


@dataclass
class Row:
    name: str
    label: str
    model: str
    who: str
    sources: list[str] = field(default_factory=list)
    target: str = ""
    guards: list[str] = field(default_factory=list)
    needs_reason: bool = False
    confirm: str = ""


def _choice_labels(model: type[models.Model] | None, state: str, values: Iterable[str]) -> list[str]:
    labels: dict[str, str] = {}
    if model is not None:
        try:
            labels = {str(k): str(v) for k, v in model._meta.get_field(state).flatchoices}  # type: ignore[union-attr]
        except Exception:
            labels = {}
    return [labels.get(v, v) for v in sorted(values)]


def describe() -> list[Row]:
    """Every declared action, in order of name, as the rows of ``docs/permissions.md``."""
    rows = []
    for a in sorted(_registry.values(), key=lambda a: a.name):
        rows.append(
            Row(
                name=a.name,
                label=str(a.label),
                model=str(a.model._meta.verbose_name) if a.model is not None else "—",
                who=a.who.label,
                sources=_choice_labels(a.model, a.state, a.sources) if a.sources is not None else [],
                target=_choice_labels(a.model, a.state, [a.target])[0] if a.target else "",
                guards=[str(g.message) for g in a.guards],
                needs_reason=a.needs_reason,
                confirm=str(a.confirm or ""),
            )
        )
    return rows


def markdown() -> str:
    """The action table of ``docs/permissions.md`` (``manage.py rules_doc`` writes it)."""
    lines = [
        "| 操作 | 名称 | 对象 | 谁可以 | 从状态 | 到状态 | 另须满足 | 须说明原因 | 确认提示 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in describe():
        lines.append(
            f"| `{r.name}` | {r.label} | {r.model} | {r.who} | {'、'.join(r.sources) or '任意'} | "
            f"{r.target or '—'} | {' '.join(r.guards) or '—'} | {'是' if r.needs_reason else '—'} | "
            f"{r.confirm or '—'} |"
        )
    return "\n".join(lines) + "\n"

"""Counters kept by the database: figures over any date window without scanning the rows.

An area declares what it counts, once, in ``<area>/tallies.py``::

    register(Counted(
        subject="lead",                  # the name of this set of counts
        model="leads.Lead",
        day="received_on",               # SQL over the row: the day a row counts on (NULL: not counted)
        unit="assigned_unit_id",         # SQL: the unit it counts for (NULL: only in the street's total)
        keys=[Key("'received'"), Key("'closed'", closed_q()), Key("'source:' || source")],
    ))

Each key is an SQL expression giving the key's text, a condition (a ``Q`` over the row's own
fields, compiled to SQL, or raw SQL) and what a row adds (1, or an integer expression such as
``people_reached`` or an amount in cents). ``LOCAL_DATE(col)`` in any expression is a datetime column's
local date (``settings.TIME_ZONE``). A migration calls ``install`` and the database keeps
``core.Tally`` right in the writing transaction, whatever the write path (``save``,
``bulk_create``, ``queryset.update``, ``delete``, raw SQL): PostgreSQL by statement-level triggers
over the transition tables (one grouped upsert per statement, in a fixed key order, so that two
transactions take the tally rows' locks in the same order), SQLite by row triggers with UPSERT.
Every row is counted four times: per day and per month, for its unit and for every unit (0).
In a city (issue 19) a row whose units are a street's is counted, once, for that street and for
the city too (``jurisdiction_row``).

``sums`` reads a window: whole months from the month rows, the days at either end from the day
rows, so that a campaign-long window adds up a few hundred rows whatever the number of leads.
``rebuild`` (``manage.py rebuild_tallies``) recounts from scratch.
"""

from __future__ import annotations

import contextlib
import datetime
import re
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Q, Sum

TABLE = "core_tally"

#: The jurisdictions' rows (issue 19). A row counts for each jurisdiction of its units (its unit's
#: and its ``also`` units'), once however many of them are the jurisdiction's: for a street that
#: is a city's, for that city, and for a city its own units (the city office). Such a total is
#: kept with ``unit_id`` = -the jurisdiction's id (per unit's rows are > 0, every unit's is 0), so
#: the unique key and its index serve it unchanged; a street on its own (no parent: a deployment
#: of one street) has none. The triggers read which jurisdiction a unit is in when its rows are
#: written (and counted off): a unit moved to another street, or a street put under a city (rare,
#: no service does either), leaves the rows counted before in the old street's total, and a later
#: change of such a row is counted off the new street's, until ``manage.py rebuild_tallies``
#: recounts them (``seed_demo --city`` does so itself); the units' own rows and the whole
#: deployment's stay right meanwhile.


def jurisdiction_row(jurisdiction_id: int) -> int:
    """The ``unit_id`` of a jurisdiction's rows (see above)."""
    return -jurisdiction_id


COLUMNS = "subject, unit_id, grain, day, key, n"
CONFLICT = "subject, unit_id, grain, day, key"


@dataclass(frozen=True)
class Key:
    """One count: ``key`` is SQL giving its text (a literal such as ``'received'`` or an expression
    such as ``'status:' || status``), ``when`` the rows it counts (a ``Q`` or SQL; all rows)."""

    key: str
    when: Q | str | None = None
    #: SQL over the row: what it adds (default 1, a count); an integer (money in cents)
    value: str | None = None


@dataclass(frozen=True)
class Counted:
    subject: str
    model: str  # "app_label.ModelName"
    day: str
    unit: str | None
    keys: list[Key] = field(default_factory=list)
    #: SQL: further units the row counts for (in the per-unit rows only, each distinct unit once;
    #: the street's total counts the row once), e.g. an institution's community besides its
    #: supervising unit. A single unit's sums are then exact; a set of units may count a row twice.
    also: list[str] = field(default_factory=list)
    #: SQL joined to the row ``r`` (e.g. its institution as ``inst``) that ``also`` may read
    join: str = ""
    #: (model, the row's foreign key to it, the alias ``join`` gives it): when such a row changes,
    #: the rows pointing at it are counted again (an institution given another unit, a problem
    #: closed whose measures were counted as due)
    follows: tuple[str, str, str] | None = None

    def model_class(self) -> Any:
        return apps.get_model(self.model)


REGISTRY: dict[str, Counted] = {}


def register(counted: Counted) -> Counted:
    REGISTRY[counted.subject] = counted
    return counted


def declarations(app_label: str | None = None) -> list[Counted]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tallies")
    found = [c for c in REGISTRY.values() if app_label is None or c.model.split(".")[0] == app_label]
    return sorted(found, key=lambda c: c.subject)


# --- SQL --------------------------------------------------------------------------------------


def _utc_offset_minutes() -> int:
    """The local time's offset from UTC now (SQLite has no time zones: a fixed offset, exact for
    zones without daylight saving such as Asia/Shanghai)."""
    offset = datetime.datetime.now(zoneinfo.ZoneInfo(settings.TIME_ZONE)).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


def _dialect(sql: str, vendor: str) -> str:
    def local_date(match: re.Match[str]) -> str:
        column = match.group(1)
        if vendor == "postgresql":
            return f"(({column}) AT TIME ZONE '{settings.TIME_ZONE}')::date"
        return f"date({column}, '{_utc_offset_minutes():+d} minutes')"

    def month(match: re.Match[str]) -> str:
        if vendor == "postgresql":
            return f"date_trunc('month', {match.group(1)})::date"
        return f"date({match.group(1)}, 'start of month')"

    sql = re.sub(r"LOCAL_DATE\(([^()]*)\)", local_date, sql)
    return re.sub(r"MONTH_OF\(([^()]*)\)", month, sql)


def _condition(counted: Counted, when: Q | str | None, conn: Any) -> str:
    if when is None:
        return "1 = 1"
    if isinstance(when, str):
        return when
    model = counted.model_class()
    query = model.objects.filter(when).query
    compiler = query.get_compiler(connection=conn)
    sql, params = compiler.compile(query.where)
    if len([a for a in query.alias_map if query.alias_refcount.get(a)]) > 1:
        raise ValueError(f"{counted.subject}: a key's condition must read the row's own fields")
    qn = conn.ops.quote_name
    sql = sql.replace(f"{qn(model._meta.db_table)}.", "r.")
    quoted = tuple(_literal(p, conn.vendor) for p in params)
    return sql % quoted if quoted else sql


def _literal(value: Any, vendor: str) -> str:
    """A condition's parameter as an SQL literal (the triggers' bodies take no parameters)."""
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE") if vendor == "postgresql" else str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"core.tally: cannot write {value!r} into a trigger")


def _upsert(
    counted: Counted, sources: list[tuple[str, int]], conn: Any, joins: list[str] | None = None, only_also=False
) -> str:
    """The statement adding the counts of ``sources`` ((table or subquery, +1/-1)) to the tally;
    ``joins`` (one per source) replaces the declaration's ``join``; ``only_also``: the ``also``
    units' counts only (a followed row changed).

    Each keyed row is counted at four levels (``everyone``: 0 its unit, 1 every unit, per day and
    per month) and, when the declaration has units, two more: 2 its unit's street (when a city's)
    or city (the city's own unit), 3 the street's city (``_jurisdiction``); a row reaching a
    jurisdiction through several of its units counts there through the first one only."""
    joins = joins or [counted.join] * len(sources)
    keyed = " UNION ALL ".join(
        part
        for (source, sign), join in zip(sources, joins, strict=True)
        for key in counted.keys
        for part in _keyed(counted, key, source, sign, conn, join, only_also)
    )
    by_jurisdiction = bool(counted.unit or counted.also)
    levels = " UNION ALL ".join(
        f"SELECT '{grain}' AS grain, {everyone} AS everyone"
        for grain in "dm"
        for everyone in ((0, 1, 2, 3) if by_jurisdiction else (0, 1))
    )
    unit = "CASE WHEN g.everyone = 1 THEN 0 ELSE k.unit END"
    where = "(g.everyone = 1 AND k.extra = 0) OR (g.everyone = 0 AND k.unit IS NOT NULL)"
    mapping = ""
    if by_jurisdiction:
        mapping, jurisdiction, seen = _jurisdiction(len(counted.also))
        unit = f"CASE WHEN g.everyone = 1 THEN 0 WHEN g.everyone = 0 THEN k.unit ELSE -{jurisdiction} END"
        where += f" OR (g.everyone >= 2 AND {jurisdiction} IS NOT NULL{seen})"
    sql = (
        f"INSERT INTO {TABLE} ({COLUMNS}) "
        f"SELECT '{counted.subject}', x.unit_id, x.grain, x.day, x.key, SUM(x.n) FROM ("
        f"SELECT {unit} AS unit_id, g.grain AS grain, "
        f"CASE WHEN g.grain = 'd' THEN k.day ELSE MONTH_OF(k.day) END AS day, k.key AS key, k.n AS n "
        f"FROM ({keyed}) k {mapping}CROSS JOIN ({levels}) g "
        f"WHERE {where}"
        f") x WHERE 1 = 1 GROUP BY x.unit_id, x.grain, x.day, x.key HAVING SUM(x.n) <> 0 "
        f"ORDER BY x.unit_id, x.grain, x.day, x.key "
        f"ON CONFLICT ({CONFLICT}) DO UPDATE SET n = {TABLE}.n + excluded.n"
    )
    return _dialect(sql, conn.vendor)


def _jurisdiction(earlier: int) -> tuple[str, str, str]:
    """SQL for the levels 2 and 3 of ``_upsert``: (the keyed row's unit's jurisdiction ``tu`` and
    its ``earlier`` units' ``t1``…, joined; the jurisdiction the row counts for at the level
    ``g.everyone``, or NULL; the condition that none of the earlier units counts for it). A unit
    counts for its street when the street is a city's, and for that city; the city's own unit for
    its city; a unit of a street on its own (no parent: a deployment of one street) for none, so
    nothing more is counted there. Equi-joins on the unit's id: hashed for a recount, an index
    lookup for a row."""
    units = apps.get_model("organization", "Unit")._meta.db_table
    jurisdictions = apps.get_model("organization", "Jurisdiction")._meta.db_table
    # a subquery, so that its columns (named tally_*) cannot shadow the row's; only the units of a
    # city (a deployment of one street joins nothing)
    of_unit = (
        f"(SELECT u.id AS tally_unit, j.id AS tally_jurisdiction, j.parent_id AS tally_parent, "
        f"j.level AS tally_level FROM {units} u JOIN {jurisdictions} j ON j.id = u.jurisdiction_id "
        f"WHERE j.parent_id IS NOT NULL OR j.level = 'city')"
    )

    def own(alias: str) -> str:
        # 'city': organization.choices.JurisdictionLevel.CITY (core knows no area's module)
        return (
            f"(CASE WHEN {alias}.tally_parent IS NOT NULL OR {alias}.tally_level = 'city' "
            f"THEN {alias}.tally_jurisdiction END)"
        )

    joins = f"LEFT JOIN {of_unit} tu ON tu.tally_unit = k.unit "
    jurisdiction = f"(CASE WHEN g.everyone = 2 THEN {own('tu')} ELSE tu.tally_parent END)"
    seen = ""
    for i in range(1, earlier + 1):
        joins += f"LEFT JOIN {of_unit} t{i} ON t{i}.tally_unit = k.p{i} "
        seen += (
            f" AND COALESCE({jurisdiction} <> {own(f't{i}')}, TRUE)"
            f" AND COALESCE({jurisdiction} <> t{i}.tally_parent, TRUE)"
        )
    return joins, jurisdiction, seen


def _keyed(counted: Counted, key: Key, source: str, sign: int, conn: Any, join: str, only_also: bool) -> list[str]:
    """The row's counts for ``key``: for its unit (and the street's total), then for each of the
    ``also`` units that is set and none of the units before it (extra = 1: per unit only), with
    the units before it (``p1``…: a jurisdiction is counted through the first unit reaching it)."""
    n = sign if key.value is None else f"{sign} * COALESCE({key.value}, 0)"
    where = f"({counted.day}) IS NOT NULL AND ({_condition(counted, key.when, conn)})"
    head = f"SELECT ({counted.day}) AS day, "
    tail = f"({key.key}) AS key, {n} AS n"
    null = "CAST(NULL AS BIGINT)"

    def earlier(units: list[str]) -> str:
        padded = [f"({u})" for u in units] + [null] * (len(counted.also) - len(units))
        return "".join(f", {u} AS p{i}" for i, u in enumerate(padded, start=1))

    parts = []
    if not only_also:
        unit = counted.unit or null
        parts.append(f"{head}({unit}) AS unit, {tail}, 0 AS extra{earlier([])} FROM {source} r {join} WHERE {where}")
    before = [counted.unit] if counted.unit else []
    for also in counted.also:
        distinct = "".join(f" AND COALESCE(({also}) <> ({b}), TRUE)" for b in before)
        parts.append(
            f"{head}({also}) AS unit, {tail}, 1 AS extra{earlier(before)} FROM {source} r {join} "
            f"WHERE {where} AND ({also}) IS NOT NULL{distinct}"
        )
        before.append(also)
    return parts


def _row_of(model: Any, which: str) -> str:
    """SQLite: the trigger's NEW or OLD row as a one-row subquery with the table's column names."""
    columns = ", ".join(f"{which}.{f.column} AS {f.column}" for f in model._meta.concrete_fields)
    return f"(SELECT {columns})"


def trigger_sql(counted: Counted, conn: Any = None) -> tuple[list[str], list[str]]:
    """(create statements, drop statements) of the triggers keeping ``counted``'s tally."""
    conn = conn or connection
    model = counted.model_class()
    table = model._meta.db_table
    name = f"tally_{counted.subject}"
    events = {
        "ins": ("INSERT", [("new_rows", 1)], [("NEW", 1)]),
        "upd": ("UPDATE", [("old_rows", -1), ("new_rows", 1)], [("OLD", -1), ("NEW", 1)]),
        "del": ("DELETE", [("old_rows", -1)], [("OLD", -1)]),
    }
    create: list[str] = []
    drop: list[str] = []
    if counted.follows is not None:
        _follow_sql(counted, conn, create, drop)
    for suffix, (event, pg_sources, lite_sources) in events.items():
        trigger = f"{name}_{suffix}"
        if conn.vendor == "postgresql":
            referencing = " ".join(
                f"{'NEW' if src == 'new_rows' else 'OLD'} TABLE AS {src}" for src, _sign in pg_sources
            )
            body = _upsert(counted, pg_sources, conn)
            create.append(
                f"CREATE OR REPLACE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $tally$ "
                f"BEGIN {body}; RETURN NULL; END $tally$"
            )
            create.append(
                f"CREATE TRIGGER {trigger} AFTER {event} ON {table} REFERENCING {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {trigger}()"
            )
            drop.append(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            drop.append(f"DROP FUNCTION IF EXISTS {trigger}()")
        elif conn.vendor == "sqlite":
            body = _upsert(counted, [(_row_of(model, which), sign) for which, sign in lite_sources], conn)
            create.append(f"CREATE TRIGGER {trigger} AFTER {event} ON {table} FOR EACH ROW BEGIN {body}; END")
            drop.append(f"DROP TRIGGER IF EXISTS {trigger}")
        else:  # pragma: no cover
            raise NotImplementedError(conn.vendor)
    return create, drop


def _follow_sql(counted: Counted, conn: Any, create: list[str], drop: list[str]) -> None:
    """The trigger on the followed table (``Counted.follows``): its changed rows' dependants are
    counted off with the old row and on with the new one (what does not depend on it cancels)."""
    assert counted.follows is not None
    model_name, fk, alias = counted.follows
    followed = apps.get_model(model_name)
    table = counted.model_class()._meta.db_table
    other = followed._meta.db_table
    pk = followed._meta.pk.column
    trigger = f"tally_{counted.subject}_follow"
    if conn.vendor == "postgresql":
        joins = [f"JOIN {src} {alias} ON {alias}.{pk} = r.{fk}" for src in ("old_rows", "new_rows")]
        body = _upsert(counted, [(table, -1), (table, 1)], conn, joins)
        create.append(
            f"CREATE OR REPLACE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $tally$ "
            f"BEGIN {body}; RETURN NULL; END $tally$"
        )
        create.append(
            f"CREATE TRIGGER {trigger} AFTER UPDATE ON {other} REFERENCING OLD TABLE AS old_rows "
            f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {trigger}()"
        )
        drop.append(f"DROP TRIGGER IF EXISTS {trigger} ON {other}")
        drop.append(f"DROP FUNCTION IF EXISTS {trigger}()")
    elif conn.vendor == "sqlite":
        joins = [f"JOIN {_row_of(followed, which)} {alias} ON {alias}.{pk} = r.{fk}" for which in ("OLD", "NEW")]
        body = _upsert(counted, [(table, -1), (table, 1)], conn, joins)
        create.append(f"CREATE TRIGGER {trigger} AFTER UPDATE ON {other} FOR EACH ROW BEGIN {body}; END")
        drop.append(f"DROP TRIGGER IF EXISTS {trigger}")


#: SQLite, during ``migrate`` (``before_migrate``): the triggers wait for its end.
_MIGRATING: set[str] = set()


def install(app_label: str, schema_editor: Any = None) -> None:
    """(Re)create the triggers of ``app_label``'s declarations and recount them (a migration's
    RunPython: ``lambda apps, editor: tally.install("leads", editor)``)."""
    conn = schema_editor.connection if schema_editor is not None else connection
    if conn.alias in _MIGRATING:
        return  # SQLite: at the end of ``migrate`` (``after_migrate``)
    for counted in declarations(app_label):
        create, drop = trigger_sql(counted, conn)
        with conn.cursor() as cursor:
            for sql in drop + create:
                cursor.execute(sql)
        rebuild([counted.subject], conn)


def before_migrate(using: str = "default", plan: Any = None, **_kwargs: Any) -> None:
    """SQLite (``pre_migrate``): drop every trigger while ``migrate`` runs. A migration changing a
    table remakes it (a copy, the old one dropped, the copy renamed), which drops the triggers on
    it, and SQLite refuses the rename while a trigger elsewhere reads the table (the units and
    jurisdictions every trigger reads since issue 19). ``after_migrate`` creates them again and
    recounts."""
    conn = connections[using]
    if conn.vendor != "sqlite" or not plan:
        return
    _MIGRATING.add(using)
    with conn.cursor() as cursor:
        for counted in declarations():
            for sql in trigger_sql(counted, conn)[1]:
                cursor.execute(sql)


def after_migrate(using: str = "default", **_kwargs: Any) -> None:
    """SQLite (``post_migrate``): the triggers dropped by ``before_migrate`` again, and a recount
    (of the declarations whose tables are there: ``migrate`` to an earlier state)."""
    if using not in _MIGRATING:
        return
    _MIGRATING.discard(using)
    conn = connections[using]
    tables = set(conn.introspection.table_names())
    needed = {TABLE, *(apps.get_model("organization", name)._meta.db_table for name in ("Unit", "Jurisdiction"))}
    wanted = [c for c in declarations() if needed | {c.model_class()._meta.db_table} <= tables]
    with conn.cursor() as cursor:
        for counted in wanted:
            for sql in trigger_sql(counted, conn)[0]:
                cursor.execute(sql)
    rebuild([c.subject for c in wanted], conn)


def uninstall(app_label: str, schema_editor: Any = None) -> None:
    conn = schema_editor.connection if schema_editor is not None else connection
    for counted in declarations(app_label):
        _create, drop = trigger_sql(counted, conn)
        with conn.cursor() as cursor:
            for sql in drop:
                cursor.execute(sql)
            cursor.execute(f"DELETE FROM {TABLE} WHERE subject = %s", [counted.subject])


@contextlib.contextmanager
def suspended(subjects: Iterable[str] | None = None) -> Iterator[None]:
    """For a bulk load (the demo seeder at a million rows): the triggers of ``subjects`` (all by
    default) are dropped meanwhile and the counts rebuilt once at the end, which costs less than
    counting row by row. Writes by others meanwhile are counted by the rebuild too."""
    wanted = [c for c in declarations() if subjects is None or c.subject in set(subjects)]
    with connection.cursor() as cursor:
        for counted in wanted:
            for sql in trigger_sql(counted)[1]:
                cursor.execute(sql)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for counted in wanted:
                for sql in trigger_sql(counted)[0]:
                    cursor.execute(sql)
        rebuild([c.subject for c in wanted])


def rebuild(subjects: Iterable[str] | None = None, conn: Any = None) -> dict[str, int]:
    """Recount the tally of ``subjects`` (all by default) from the rows; {subject: rows counted}.
    The counted tables are locked against writes meanwhile (PostgreSQL), so nothing is missed."""
    conn = conn or connection
    wanted = [c for c in declarations() if subjects is None or c.subject in set(subjects)]
    done = {}
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        for counted in wanted:
            table = counted.model_class()._meta.db_table
            if conn.vendor == "postgresql":
                cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
            cursor.execute(f"DELETE FROM {TABLE} WHERE subject = %s", [counted.subject])
            cursor.execute(_upsert(counted, [(table, 1)], conn))
            done[counted.subject] = cursor.rowcount
    return done


# --- reading ----------------------------------------------------------------------------------


def _first_of_next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def window_q(start: datetime.date, end: datetime.date) -> Q:
    """The tally rows that add up to the days ``start``..``end`` (inclusive), each day once: whole
    months from the month rows, the days before the first and after the last whole month."""
    if end < start:
        return Q(pk__in=[])
    first = start if start.day == 1 else _first_of_next_month(start)  # the first whole month
    after = _first_of_next_month(end)  # the day after the last whole month
    if after - datetime.timedelta(days=1) != end:  # end is not a month's last day
        after = end.replace(day=1)
    if first >= after:  # no whole month
        return Q(grain="d", day__gte=start, day__lte=end)
    last_month = (after - datetime.timedelta(days=1)).replace(day=1)
    q = Q(grain="m", day__gte=first, day__lte=last_month)
    if start < first:
        q |= Q(grain="d", day__gte=start, day__lt=first)
    if after <= end:
        q |= Q(grain="d", day__gte=after, day__lte=end)
    return q


#: The ends of an open window ("every row so far", "every deadline before today").
EARLIEST, LATEST = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)

Windows = Mapping[str, tuple[datetime.date, datetime.date]]


def _rows(
    windows: Windows,
    units: Iterable[int] | None,
    per_unit: bool,
    keys: Iterable[str] | None = None,
    jurisdiction: int | None = None,
) -> Any:
    from .models import Tally

    every = Q(unit_id__gt=0) if per_unit else Q(unit_id=0)
    unit_q = every if units is None else Q(unit_id__in=sorted(set(units)))
    if jurisdiction is not None:
        unit_q = Q(unit_id=jurisdiction_row(jurisdiction))
    where = Q(pk__in=[])
    for subject, (start, end) in sorted(windows.items()):
        where |= Q(subject=subject) & window_q(start, end)
    if keys is not None:
        where &= Q(key__in=sorted(keys))
    fields = ["subject", "key", "unit_id"] if per_unit else ["subject", "key"]
    return Tally.objects.filter(unit_q & where).order_by().values_list(*fields).annotate(total=Sum("n"))


def sums(
    windows: Windows, units: Iterable[int] | None = None, jurisdiction: int | None = None
) -> dict[tuple[str, str], int]:
    """{(subject, key): count}, each subject over its window (``{subject: (start, end)}``), for
    every unit, only ``units``, or a ``jurisdiction``'s units (a street of a city, or the city:
    each row once, however many of its units are the jurisdiction's). One query."""
    return {(subject, key): total for subject, key, total in _rows(windows, units, False, None, jurisdiction)}


def sums_by_unit(
    windows: Windows, units: Iterable[int] | None = None, keys: Iterable[str] | None = None
) -> dict[tuple[str, str, int], int]:
    """{(subject, key, unit id): count} over the windows (only ``keys`` when given), per unit
    (every unit, or ``units``); zero counts left out. One query."""
    rows = _rows(windows, units, True, keys)
    return {(subject, key, unit): total for subject, key, unit, total in rows if total}

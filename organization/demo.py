"""Demo data for the organisation: communities, one user per role, a current demo campaign.

``seed_demo`` calls ``seed(ctx)`` of every app that has a ``demo`` module, in the order of
``DEMO_APPS``; each app adds its rows in bulk (``bulk_insert``: ``COPY ... FROM STDIN`` on
PostgreSQL, ``bulk_create`` elsewhere) so that the scale options can ask for 1,000,000 leads.
"""

from __future__ import annotations

import datetime
import decimal
import io
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from .choices import PhaseKind, Role, UnitCode, UnitKind
from .models import Campaign, Phase, Unit, User
from .services import home_jurisdiction_id, init_campaign

DEMO_PASSWORD = "hulao-demo-2026"

COMMUNITIES = ["新塘社区", "梧垵社区", "沙塘社区", "后坑社区", "湖中社区", "邮亭社区"]

# username, name, unit code (or community index), role, staff? (nobody but ``admin`` needs the
# admin site: the street office keeps units, people and rights on its own pages)
DEMO_USERS: list[tuple[str, str, str | int, str, bool]] = [
    ("zhuren", "李主任", UnitCode.STREET_OFFICE, Role.STREET_OFFICE, False),
    ("zhuanban", "陈专办", UnitCode.STREET_OFFICE, Role.STREET_OFFICE, False),
    ("lingdao", "王领导", UnitCode.STREET_OFFICE, Role.LEADER, False),
    ("daji", "林打击", UnitCode.GROUP_CRACKDOWN, Role.GROUP_MEMBER, False),
    ("zhengzhi", "黄整治", UnitCode.GROUP_RECTIFICATION, Role.GROUP_MEMBER, False),
    ("xuanjiao", "吴宣教", UnitCode.GROUP_PUBLICITY, Role.GROUP_MEMBER, False),
    ("shichang", "张市监", UnitCode.MARKET_REGULATION, Role.UNIT_LIAISON, False),
    ("minzheng", "李社事", UnitCode.SOCIAL_AFFAIRS, Role.UNIT_LIAISON, False),
    ("fating", "蔡法庭", UnitCode.TRIBUNAL, Role.UNIT_LIAISON, False),
    ("shequ1", "许社区", 0, Role.COMMUNITY_STAFF, False),
    ("shequ2", "郑社区", 1, Role.COMMUNITY_STAFF, False),
]


#: Rights held in the demo: the street office's head (李主任) grants the informant-reveal right and
#: holds it; 陈专办 holds neither, so that 李主任 can grant it to him on the grants page.
DEMO_RIGHTS: dict[str, tuple[str, ...]] = {"zhuren": ("organization.manage_grants", "leads.view_informant")}


# --- bulk writing -------------------------------------------------------------------------------

#: Field classes whose Python value goes into COPY as it is (no ``get_db_prep_save``).
_PLAIN_FIELDS = {
    models.AutoField,
    models.BigAutoField,
    models.CharField,
    models.TextField,
    models.EmailField,
    models.URLField,
    models.SlugField,
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.BooleanField,
    models.DateField,
    models.DateTimeField,
    models.DecimalField,
    models.ForeignKey,
    models.OneToOneField,
}
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in COPY's text format."""
    kind = type(value)
    if kind is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_ESCAPES)
        return value
    if value is None:
        return "\\N"
    if kind is int:
        return str(value)
    if kind is bool:
        return "t" if value else "f"
    if isinstance(value, datetime.date):  # and datetime
        return value.isoformat()
    if isinstance(value, int | float | decimal.Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return _copy_text(json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder))
    return _copy_text(str(value))


#: Rows and seconds spent writing them, per table (``seed_demo`` prints them).
TIMINGS: dict[str, list[float]] = {}


def _timed(table: str, rows: int, started: float) -> None:
    entry = TIMINGS.setdefault(table, [0, 0.0])
    entry[0] += rows
    entry[1] += time.monotonic() - started


def _json(value: Any, null: bool = False) -> str | None:
    if value is None and null:
        return None
    return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)


def reserve_ids(model: type[models.Model], count: int) -> int:
    """The first of ``count`` consecutive primary keys taken from the model's sequence
    (PostgreSQL), so that rows written by COPY can be referred to before they exist."""
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        if count > 1:
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def copy_rows(table: str, columns: list[str], rows) -> int:
    """``COPY table (columns) FROM STDIN`` of the given tuples (values as ``_copy_text`` takes
    them), streamed in chunks. PostgreSQL only."""
    raw = connection.connection  # psycopg2's: copy_expert
    sql = "COPY {} ({}) FROM STDIN".format(
        connection.ops.quote_name(table), ", ".join(connection.ops.quote_name(c) for c in columns)
    )
    written = 0
    buffer = io.StringIO()
    with raw.cursor() as cursor:
        for row in rows:
            buffer.write("\t".join(map(_copy_text, row)))
            buffer.write("\n")
            written += 1
            if written % 20000 == 0:
                buffer.seek(0)
                cursor.copy_expert(sql, buffer)
                buffer = io.StringIO()
        if buffer.tell():
            buffer.seek(0)
            cursor.copy_expert(sql, buffer)
    return written


def bulk_insert(model: type[models.Model], objs: list[models.Model], batch_size: int = 2000) -> list[models.Model]:
    """Insert ``objs`` and give each its primary key, as ``bulk_create`` does: on PostgreSQL by
    reserving a block of ids and COPY (several times faster at a million rows), elsewhere by
    ``bulk_create``. No signals, no ``save()``: what ``bulk_create`` skips is skipped here too."""
    if not objs:
        return objs
    started = time.monotonic()
    if connection.vendor != "postgresql":
        created = model.objects.bulk_create(objs, batch_size=batch_size)
        _timed(model._meta.db_table, len(objs), started)
        return created
    connection.ensure_connection()
    fields = list(model._meta.concrete_fields)
    pk = model._meta.pk
    first = reserve_ids(model, len(objs))
    for offset, obj in enumerate(objs):
        obj.pk = first + offset
        obj._state.adding = False
        obj._state.db = "default"
    getters = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            getters.append(lambda obj, f=f: f.pre_save(obj, True))
        elif type(f) in _PLAIN_FIELDS or f is pk:
            getters.append(lambda obj, a=f.attname: getattr(obj, a))
        elif isinstance(f, models.JSONField):
            getters.append(lambda obj, a=f.attname, n=f.null: _json(getattr(obj, a), n))
        elif isinstance(f, models.FileField):
            getters.append(lambda obj, a=f.attname: getattr(obj, a).name or "")
        else:  # custom fields (encrypted text …): their own conversion
            getters.append(lambda obj, f=f: f.get_db_prep_save(f.pre_save(obj, True), connection))
    copy_rows(model._meta.db_table, [f.column for f in fields], (tuple(g(obj) for g in getters) for obj in objs))
    _timed(model._meta.db_table, len(objs), started)
    return objs


def insert_values(model: type[models.Model], columns: list[str], rows: list[tuple]) -> int:
    """Insert plain tuples (``columns`` are attnames, the pk left to the database): COPY on
    PostgreSQL, ``bulk_create`` of instances elsewhere. For the largest tables (audit entries),
    where building model instances would cost more than writing the rows."""
    if not rows:
        return 0
    started = time.monotonic()
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        names = [model._meta.get_field(c).column if not c.endswith("_id") else c for c in columns]
        copy_rows(model._meta.db_table, names, rows)
    else:
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=2000)
    _timed(model._meta.db_table, len(rows), started)
    return len(rows)


def _png() -> bytes:
    """A small valid PNG (a grey square), made here so that no binary file is kept in the tree."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    width = height = 16
    raw = b"".join(b"\x00" + b"\x99" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def demo_files() -> list[dict[str, Any]]:
    """The few small files the demo's attachments share (many rows, one file each on disk):
    written under MEDIA_ROOT once, described for ``core.Attachment`` rows."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    specs = [
        ("attachments/demo/leaflet.png", "宣传单照片.png", "png", "image/png", _png()),
        ("attachments/demo/report.pdf", "核查报告.pdf", "pdf", "application/pdf", _PDF),
        ("attachments/demo/site.png", "现场照片.png", "png", "image/png", _png()),
    ]
    files = []
    for name, original, extension, mime, content in specs:
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(content))
        files.append(
            {
                "name": name,
                "original_name": original,
                "extension": extension,
                "mime": mime,
                "size": len(content),
                "is_image": mime.startswith("image/"),
            }
        )
    return files


def _permissions(names: tuple[str, ...]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


@dataclass
class DemoContext:
    """What the organisation's seed hands to the other apps' seeds."""

    rng: random.Random
    scale: dict[str, int]
    campaign: Campaign
    units: dict[str, Unit]
    communities: list[Unit]
    member_units: list[Unit]
    users: dict[str, User]
    today: datetime.date
    counts: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def user_of_unit(self, unit: Unit) -> User | None:
        return next((u for u in self.users.values() if u.unit_id == unit.pk), None)


def seed(*, rng: random.Random, scale: dict[str, int]) -> tuple[DemoContext, bool]:
    """Create the organisation's demo rows. Returns the context and whether the demo campaign was
    new (the other apps seed only then, or when asked to with explicit scale options)."""
    init_campaign()
    # the plan's street (each street of a demo city has units with the same codes: seed_demo --city)
    units = {u.code: u for u in Unit.objects.exclude(code=None).filter(jurisdiction_id=home_jurisdiction_id())}
    units.update({u.code: u for u in Unit.objects.filter(code=UnitCode.CITY_OFFICE).order_by("pk")[:1]})
    communities = []
    for order, name in enumerate(COMMUNITIES, start=1):
        unit, _ = Unit.objects.get_or_create(
            name=name, defaults={"kind": UnitKind.COMMUNITY, "sort_order": order, "code": f"community_{order}"}
        )
        communities.append(unit)
    password = make_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={
            "name": "系统管理员",
            "is_staff": True,
            "is_superuser": True,
            "password": password,
            "unit": units[UnitCode.STREET_OFFICE],
            "role": Role.STREET_OFFICE,
        },
    )
    users["admin"] = admin
    for username, name, where, role, staff in DEMO_USERS:
        unit = communities[where] if isinstance(where, int) else units[where]
        user, user_new = User.objects.get_or_create(
            username=username,
            defaults={
                "name": name,
                "unit": unit,
                "role": role,
                "is_staff": staff,
                "password": password,
                "email": f"{username}@example.invalid",
                "phone": f"0595-8{rng.randrange(1000000, 9999999)}",
            },
        )
        users[username] = user
        if username in DEMO_RIGHTS and user_new:
            user.user_permissions.add(*_permissions(DEMO_RIGHTS[username]))
        if role in (Role.UNIT_LIAISON, Role.COMMUNITY_STAFF) and unit.liaison_id is None:
            Unit.objects.filter(pk=unit.pk).update(liaison=user, email=user.email)

    today = timezone.localdate()
    start = today - datetime.timedelta(days=150)
    end = today + datetime.timedelta(days=30)
    campaign, new = Campaign.objects.get_or_create(
        name="护老专项行动（演示）",
        defaults={
            "short_name": "演示",
            "start_date": start,
            "end_date": end,
            "is_active": True,
            "description": "由 seed_demo 生成的演示专项行动，工作环节与实施方案相同，日期相对今天。",
        },
    )
    if new:
        Phase.objects.bulk_create(
            [
                Phase(
                    campaign=campaign,
                    kind=PhaseKind.MOBILISATION,
                    name="宣传发动",
                    order=1,
                    start_date=start,
                    end_date=end,
                    runs_throughout=True,
                ),
                Phase(
                    campaign=campaign,
                    kind=PhaseKind.CRACKDOWN,
                    name="打击整治",
                    order=2,
                    start_date=start + datetime.timedelta(days=10),
                    end_date=end - datetime.timedelta(days=50),
                    runs_throughout=True,
                ),
                Phase(
                    campaign=campaign,
                    kind=PhaseKind.SUMMARY,
                    name="总结提升",
                    order=3,
                    start_date=end - datetime.timedelta(days=45),
                    end_date=end - datetime.timedelta(days=25),
                ),
            ]
        )
    _seed_upcoming(campaign)
    ctx = DemoContext(
        rng=rng,
        scale=scale,
        campaign=campaign,
        units=units,
        communities=communities,
        member_units=[u for u in units.values() if u.kind == UnitKind.MEMBER_UNIT],
        users=users,
        today=today,
    )
    return ctx, new


def _seed_upcoming(current: Campaign) -> Campaign:
    """Next year's standing (常态化) campaign, saved ahead: 即将开始 on the campaign list, and it
    changes nothing in the demo until its start, the day after the demo campaign ends at the
    earliest (so the demo campaign stays current, ``CampaignQuerySet.current``)."""
    next_year = datetime.date(current.start_date.year + 1, 1, 1)
    start = max(next_year, (current.end_date or next_year) + datetime.timedelta(days=1))
    upcoming, new = Campaign.objects.get_or_create(
        name=f"{start.year}年常态化护老工作（演示）",
        defaults={
            "short_name": f"{start.year}常态化",
            "start_date": start,
            "end_date": None,
            "report_day": current.report_day,
            "laggard_score": current.laggard_score,
            "description": "由 seed_demo 生成：专项行动结束后转入常态化工作，开始日期前显示为“即将开始”。",
        },
    )
    if new:
        Phase.objects.bulk_create(
            [
                Phase(
                    campaign=upcoming,
                    kind=PhaseKind.MOBILISATION,
                    name="常态化宣传",
                    order=1,
                    start_date=start,
                    end_date=start + datetime.timedelta(days=364),
                    runs_throughout=True,
                ),
                Phase(
                    campaign=upcoming,
                    kind=PhaseKind.CRACKDOWN,
                    name="常态化打击整治",
                    order=2,
                    start_date=start,
                    end_date=start + datetime.timedelta(days=364),
                    runs_throughout=True,
                ),
            ]
        )
    return upcoming

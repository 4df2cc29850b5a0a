"""Backup and restore (scripts/backup.sh, scripts/restore.sh): a round trip of the demo data into a
fresh PostgreSQL database gives the same rows in every table, the same uploaded files byte for
byte, and informant identities that still decrypt (with the same keys)."""

import os
import subprocess
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from tests.conftest import missing_service

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(2048)


def _url(dbname: str) -> str:
    db = connection.settings_dict
    auth = db["USER"] or "postgres"
    if db["PASSWORD"]:
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{dbname}"


def _table_counts(dbname: str) -> dict[str, int]:
    db = connection.settings_dict
    conn = psycopg2.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        dbname=dbname,
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            tables = [row[0] for row in cur.fetchall()]
            counts = {}
            for table in tables:
                cur.execute(f'SELECT count(*) FROM "{table}"')
                counts[table] = cur.fetchone()[0]
            return counts
    finally:
        conn.close()


def _raw(dbname: str, sql: str, params: list):
    db = connection.settings_dict
    conn = psycopg2.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        dbname=dbname,
    )
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()
    finally:
        conn.close()


def _drop(dbname: str) -> None:
    with connection.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def test_backup_and_restore_round_trip(settings, tmp_path):
    if connection.vendor != "postgresql":
        missing_service("backup.sh and restore.sh need PostgreSQL (DATABASE_URL=postgres://...)")
    from django.apps import apps

    from core.fields import decrypt_str
    from core.models import Attachment
    from core.services import attachments_add
    from leads.models import Lead

    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", leads=40, institutions=10, cases=5, activities=10, verbosity=0)
    lead = Lead.objects.order_by("pk").first()
    lead.informant_name, lead.informant_phone = "备份测试人", "13800000000"
    lead.save(update_fields=["informant_name", "informant_phone"])
    [attachment] = attachments_add(obj=lead, files=[SimpleUploadedFile("收据.png", PNG)])
    assert (settings.MEDIA_ROOT / attachment.file.name).read_bytes() == PNG

    source = connection.settings_dict["NAME"]
    target = f"{source}_restore_{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _url(source),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "HULAO_VAR_DIR": str(tmp_path / "var"),
    }
    done = subprocess.run(
        [str(ROOT / "scripts" / "backup.sh"), str(tmp_path / "backups")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    folder = Path(done.stdout.strip().splitlines()[-1])
    assert folder.is_dir() and folder.parent == tmp_path / "backups"
    assert sorted(p.name for p in folder.iterdir()) == ["SHA256SUMS", "db.dump", "info.txt", "media.tar.gz"]

    restored_media = tmp_path / "restored-media"
    try:
        done = subprocess.run(
            [str(ROOT / "scripts" / "restore.sh"), str(folder)],
            env={**env, "DATABASE_URL": _url(target), "MEDIA_ROOT": str(restored_media)},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr

        before, after = _table_counts(source), _table_counts(target)
        assert after == before
        for model in apps.get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                assert model._meta.db_table in after, model._meta.label
        assert after[Lead._meta.db_table] >= 40 and after[Attachment._meta.db_table] >= 1

        assert (restored_media / attachment.file.name).read_bytes() == PNG

        (token,) = _raw(target, f'SELECT informant_name FROM "{Lead._meta.db_table}" WHERE id = %s', [lead.pk])
        assert "备份测试人" not in token  # stored encrypted …
        assert decrypt_str(token) == "备份测试人"  # … and readable with the same key
    finally:
        _drop(target)

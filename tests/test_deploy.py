"""Production configuration: check --deploy clean, migrations complete, compose file valid."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import missing_service

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x7#kq2!vJd9@Lm4$Rt8%Wp1^Zs6&Hn3*Bc5(Fy0)Gu2-Ae7+Tr9=Mk",
    "ALLOWED_HOSTS": "hulao.example.invalid",
    "FIELD_ENCRYPTION_KEY": "q8mJ7m3S6d0F1wE5C2rU9Y4b1p0z8X7v6T5s4R3q2P0=",
    "FIELD_HASH_KEY": "another-long-random-value-for-keyed-hashes",
    "SITE_URL": "https://hulao.example.invalid",
}


def run_manage(*args, env=None):
    full_env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True)


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION_ENV, "HULAO_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secrets(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = run_manage("check", env={**env, "SECRET_KEY": "", "HULAO_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_no_model_change_lacks_a_migration():
    result = run_manage(
        "makemigrations", "--check", "--dry-run", env={"DJANGO_SETTINGS_MODULE": "config.settings.test"}
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_file_is_valid():
    exe = shutil.which("docker-compose")
    if exe is None:
        missing_service("docker-compose (Debian package) is not installed")
    result = subprocess.run(
        [exe, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "SECRET_KEY": "x",
            "POSTGRES_PASSWORD": "x",
            "FIELD_ENCRYPTION_KEY": "x",
            "FIELD_HASH_KEY": "x",
            "SITE_URL": "https://hulao.example.invalid",
        },
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "url,engine",
    [
        ("postgres://u:p@127.0.0.1:5432/hulao", "django.db.backends.postgresql"),
        ("sqlite:////tmp/x.sqlite3", "django.db.backends.sqlite3"),
    ],
)
def test_database_url_chooses_the_engine(url, engine, tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['CONN_HEALTH_CHECKS'])"
    )
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        env={"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.local", "HULAO_VAR_DIR": str(tmp_path)},
    )
    assert result.stdout.split() == [engine, "True"], result.stderr


# --- several web and worker processes (issue 18.7; docs/operations.md) -----------------------------


def _compose() -> dict:
    import yaml

    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _depends(service: dict) -> dict:
    depends = service.get("depends_on", {})
    return depends if isinstance(depends, dict) else {name: {"condition": "service_started"} for name in depends}


def test_compose_scales_web_and_worker_and_migrates_once():
    """`docker compose up --scale web=2 --scale worker=2` works: no replica publishes a fixed host
    port or migrates on start; a one-shot `migrate` runs first, everything else waits for it."""
    services = _compose()["services"]
    migrate = services["migrate"]
    assert "migrate" in migrate["command"] and "init_campaign" in migrate["command"]
    assert migrate["restart"] == "no"
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert _depends(service).get("migrate") == {"condition": "service_completed_successfully"}, name
        assert "migrate" not in service["command"] and "init_campaign" not in service["command"], name
        assert "ports" not in service, name
    assert "container_name" not in services["web"] and "container_name" not in services["worker"]
    assert "--hostname=worker@%h" in services["worker"]["command"]  # each replica its own node name


def test_compose_has_one_beat_and_one_shared_data_volume():
    compose = _compose()
    services = compose["services"]
    assert "container_name" in services["beat"]  # compose refuses to scale a service with a fixed name
    mounts = {name: services[name]["volumes"] for name in ("web", "worker", "beat", "migrate")}
    assert all(volumes == ["hulao-data:/var/lib/hulao"] for volumes in mounts.values()), mounts
    assert "hulao-data" in compose["volumes"]
    # the image's static files live outside that volume, so an upgrade serves the new ones
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "STATIC_ROOT=/app/staticfiles" in dockerfile and "HULAO_VAR_DIR=/var/lib/hulao" in dockerfile


def test_compose_reaches_every_web_replica_through_the_proxy():
    """One published port, on an nginx that resolves `web` (every replica) again every few seconds."""
    services = _compose()["services"]
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert proxy["ports"] == ["${HULAO_PORT:-8000}:80"]
    assert _depends(proxy)["web"] == {"condition": "service_healthy"}
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "resolver 127.0.0.11" in conf and "set $web http://web:8000;" in conf and "proxy_pass $web;" in conf
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in conf
    assert "healthcheck" in services["web"]
    # web trusts X-Forwarded-For from the proxy's network only (plus the office's proxies)
    env = services["web"]["environment"]
    subnet = _compose()["networks"]["hulao"]["ipam"]["config"][0]["subnet"]
    assert env["TRUSTED_PROXIES"].startswith(subnet + ",")

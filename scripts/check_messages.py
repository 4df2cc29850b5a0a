#!/usr/bin/env python
"""Fails when a translatable string has no English translation (or a fuzzy one).

Copies the source tree to a temporary folder, runs ``makemessages -l en`` there (it merges the
committed catalogues: the project's ``locale/`` and each app's ``<app>/locale/``), and lists
every entry that is untranslated or fuzzy. The working tree is not touched.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE = shutil.ignore_patterns(".venv", "node_modules", "var", ".git", "__pycache__", "*.mo", ".pytest_cache")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(ROOT, src, ignore=IGNORE)
        (src / "node_modules").symlink_to(ROOT / "node_modules") if (ROOT / "node_modules").exists() else None
        cmd = [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "en",
            "--no-obsolete",
            "--no-wrap",
            "-v0",
            "--ignore=node_modules/*",
            "--ignore=var/*",
            "--ignore=tests/*",
            "--ignore=benchmarks/*",
        ]
        subprocess.run(
            cmd,
            cwd=src,
            check=True,
            env={
                "DJANGO_SETTINGS_MODULE": "config.settings.test",
                "PATH": "/usr/bin:/bin:/usr/local/bin",
                "HULAO_VAR_DIR": str(Path(tmp) / "var"),
            },
        )
        problems = []
        for po in sorted(src.glob("**/locale/en/LC_MESSAGES/django.po")):
            for flag in ("--untranslated", "--only-fuzzy"):
                out = subprocess.run(
                    ["msgattrib", flag, "--no-obsolete", "--no-wrap", str(po)],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                entries = [e for e in out.split("\n\n") if "msgid " in e and 'msgid ""\nmsgstr ""\n"' not in e]
                entries = [e for e in entries if not e.lstrip().startswith('msgid ""')]
                for entry in entries:
                    problems.append(f"{po.relative_to(src)} ({flag[2:]}):\n{entry.strip()}")
        if problems:
            print(f"{len(problems)} string(s) without an English translation:\n")
            print("\n\n".join(problems[:60]))
            print("\nRun `make messages` (or makemessages -l en in the app's folder) and fill in the msgstr.")
            return 1
    print("translations: every string has an English translation")
    return 0


if __name__ == "__main__":
    sys.exit(main())

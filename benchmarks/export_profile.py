"""The background export of every lead (issue 18: 100,000 ≤ 5 s, 1,000,000 ≤ 60 s, RSS ≤ 150 MB).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hulao_bench_100k .venv/bin/python benchmarks/export_profile.py
    ... benchmarks/export_profile.py --keep /tmp/leads.xlsx --view leads.views.LeadListView --user zhuren

Prints the rows, seconds, peak RSS (VmHWM) and the file's size (``core.exportbench.measure``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.exportbench import measure

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--view", default="leads.views.LeadListView")
    parser.add_argument("--user", default="zhuren")
    parser.add_argument("--query", default="export=xlsx", help="the list's query string")
    parser.add_argument("--keep", default=None, help="copy the .xlsx here")
    options = parser.parse_args()
    figures = measure(
        database_url=os.environ.get("DATABASE_URL"),
        view=options.view,
        username=options.user,
        query=options.query,
        keep=options.keep,
    )
    print(json.dumps(figures))

"""Hulao under load (``make load``, ``benchmarks/load.py``): demo personas read the busy pages and
write through the real forms, members of the public send tips. Every write carries a unique
marker; ``load.py`` checks afterwards that each one is in the database.

Run through ``benchmarks/load.py``, which prepares the database, starts gunicorn and passes:

    HULAO_LOAD_TARGETS  JSON file: per persona the ids it may see (leads, cases, institutions),
                        and the staff sessions load.py signed in (else each user signs in)
    HULAO_LOAD_WRITES   where this process writes the list of writes it made (JSON lines)
    HULAO_LOAD_ERRORS   where it writes each failed request (one line each)
    HULAO_LOAD_PASSWORD the demo password (default hulao-demo-2026)
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import random
import re
import threading
import uuid
from html.parser import HTMLParser

from locust import HttpUser, between, events, task

TARGETS: dict[str, dict[str, list[int]]] = {}  # persona -> {"leads": [ids it may see], ...}
SESSIONS: list[dict] = []  # signed-in sessions made by load.py: username, sessionid, csrftoken
if os.environ.get("HULAO_LOAD_TARGETS"):
    with open(os.environ["HULAO_LOAD_TARGETS"]) as f:
        _prepared = json.load(f)
    TARGETS, SESSIONS = _prepared["targets"], _prepared["sessions"]
_sessions = iter(SESSIONS)
WRITES_FILE = os.environ.get("HULAO_LOAD_WRITES", "")
PASSWORD = os.environ.get("HULAO_LOAD_PASSWORD", "hulao-demo-2026")
RUN = uuid.uuid4().hex[:6]
_lock = threading.Lock()
_counter = itertools.count(1)


def marker(kind: str) -> str:
    """A unique, greppable token for one write."""
    return f"LOAD-{RUN}-{kind}-{next(_counter):05d}"


def record(kind: str, mark: str) -> None:
    if not WRITES_FILE:
        return
    with _lock, open(WRITES_FILE, "a", encoding="utf-8") as f:
        f.write(json.dumps({"kind": kind, "marker": mark}) + "\n")


class FormParser(HTMLParser):
    """The fields of the page's main form (the one posting to ``action``, or the first with a
    csrf token), with their current values: selects take the selected option, else the first
    non-empty one."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": (a.get("method") or "get").lower(), "fields": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"][a["name"]] = a.get("value", "on")
            elif kind not in ("file", "submit", "button"):
                self._form["fields"][a["name"]] = a.get("value", "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"].setdefault(self._select, "")
        elif tag == "option" and self._select:
            value = a.get("value", "")
            current = self._form["fields"].get(self._select, "")
            if "selected" in a or (not current and value):
                self._form["fields"][self._select] = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"][self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data


def form_fields(html: str) -> dict:
    parser = FormParser()
    parser.feed(html)
    posting = [f for f in parser.forms if f["method"] == "post" and "csrfmiddlewaretoken" in f["fields"]]
    # the page's own form is the biggest posting one (the header's logout/language forms are small)
    return max(posting, key=lambda f: len(f["fields"]))["fields"] if posting else {}


def today() -> str:
    return datetime.date.today().isoformat()


class Staff(HttpUser):
    """A signed-in member of staff: mostly reads, sometimes a write as their role allows."""

    weight = 4
    wait_time = between(0.5, 2.0)
    personas = itertools.cycle(
        os.environ.get("HULAO_LOAD_PERSONAS", "zhuanban,daji,zhengzhi,xuanjiao,shequ1,lingdao,shichang").split(",")
    )

    def on_start(self):
        session = next(_sessions, None)
        if session:  # signed in beforehand by load.py
            self.username = session["username"]
            self.targets = TARGETS.get(self.username, {})
            for name in ("sessionid", "csrftoken"):
                self.client.cookies.set(name, session[name])
            return
        self.username = next(Staff.personas)
        self.targets = TARGETS.get(self.username, {})
        page = self.client.get("/accounts/login/", name="login")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": page.url},
            name="login",
            catch_response=True,
        ) as response:
            if "login-submit" in response.text or response.status_code != 200:
                response.failure(f"login as {self.username} failed")

    # --- reads --------------------------------------------------------------------------------

    def _get(self, path: str, name: str):
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    @task(4)
    def dashboard(self):
        self._get("/", "dashboard")

    @task(4)
    def lead_list(self):
        query = random.choice(
            ["", "?status=verifying", "?source=public&fraud_type=service", "?is_major=true", "?q=%E5%85%BB%E8%80%81"]
        )
        self._get("/leads/" + query, "lead list (filters)")

    @task(3)
    def lead_page(self):
        if self.targets.get("leads"):
            self._get(f"/leads/{random.choice(self.targets['leads'])}/", "lead page")

    @task(2)
    def case_page(self):
        if self.targets.get("cases"):
            self._get(f"/cases/{random.choice(self.targets['cases'])}/", "case page")

    @task(2)
    def institution_page(self):
        if self.targets.get("institutions"):
            pk = random.choice(self.targets["institutions"])
            self._get(f"/rectification/institutions/{pk}/", "institution page")

    @task(2)
    def activity_list(self):
        self._get("/publicity/activities/", "activity list")

    # --- writes (through the real forms) ------------------------------------------------------

    def _submit(self, path: str, name: str, kind: str, mark: str, overrides: dict, expect: str) -> None:
        """GET the form, fill it, POST it; a success is a redirect to the new object's page."""
        with self.client.get(path, name=f"{name} (form)", catch_response=True) as page:
            if page.status_code != 200:
                page.failure(f"HTTP {page.status_code}")
                return
        fields = form_fields(page.text)
        fields.update(overrides)
        with self.client.post(
            path, fields, headers={"Referer": page.url}, name=name, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code == 302 and re.search(expect, response.headers.get("Location", "")):
                record(kind, mark)
                response.success()
            else:
                errors = re.findall(r'class="invalid-feedback[^"]*"[^>]*>\s*(?:<strong>)?([^<]+)', response.text)
                response.failure(f"HTTP {response.status_code}, not saved: {errors[:3]}")

    @task(5)
    def write(self):
        """The write this persona's role does: intake (street office, community), a publicity
        activity (publicity group), an inspection (rectification group, market regulation)."""
        if self.username in ("zhuanban", "shequ1"):
            self.lead_intake()
        elif self.username == "xuanjiao":
            self.activity_create()
        elif self.username in ("zhengzhi", "shichang"):
            self.inspection_create()
        else:
            self.dashboard()

    def lead_intake(self):
        mark = marker("lead")
        self._submit(
            "/leads/new/",
            "lead intake POST",
            "lead",
            mark,
            {"source": "community" if self.username == "shequ1" else "public", "summary": f"压测登记 {mark}"},
            r"^/leads/\d+/$",
        )

    def activity_create(self):
        mark = marker("activity")
        self._submit(
            "/publicity/activities/new/",
            "activity POST",
            "activity",
            mark,
            {"title": f"压测宣传 {mark}", "date": today(), "people_reached": "30", "elderly_reached": "20"},
            r"^/publicity/activities/\d+/$",
        )

    def inspection_create(self):
        if not self.targets.get("institutions"):
            return
        mark = marker("inspection")
        pk = random.choice(self.targets["institutions"])
        self._submit(
            f"/rectification/institutions/{pk}/inspect/",
            "inspection POST",
            "inspection",
            mark,
            {"date": today(), "inspectors": "压测", "findings": f"未发现问题 {mark}"},
            r"^/rectification/",
        )


class Public(HttpUser):
    """A member of the public sending a tip (no login)."""

    weight = 1
    wait_time = between(1.0, 3.0)

    @task
    def tip(self):
        with self.client.get("/tip/", name="tip form", catch_response=True) as page:
            if page.status_code != 200:
                page.failure(f"HTTP {page.status_code}")
                return
        fields = form_fields(page.text)
        mark = marker("tip")
        fields.update(
            {
                "description": f"有人上门推销养老床位，收了定金。{mark}",
                "fraud_type": "service",
                "website": "",
            }
        )
        with self.client.post(
            "/tip/", fields, headers={"Referer": page.url}, name="public tip POST", catch_response=True
        ) as response:
            if response.status_code == 200 and re.search(r"\d{4} \d{4} \d{4} \d{4}", response.text):
                record("tip", mark)
            else:
                response.failure(f"HTTP {response.status_code}, no receipt code")


ERRORS_FILE = os.environ.get("HULAO_LOAD_ERRORS", "")


@events.request.add_listener
def _keep_errors(request_type, name, exception=None, **_kw):
    """Every failed request, for load.py's report (locust's JSON stats only count them)."""
    if exception is not None and ERRORS_FILE:
        text = " ".join(str(exception).split())[:300]
        with _lock, open(ERRORS_FILE, "a", encoding="utf-8") as f:
            f.write(f"{request_type} {name}: {text}\n")

"""What the benchmark measures. Pages are (name, path, target); jobs are functions taking the
context and returning a Row. Paths are resolved against the benchmark database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Context:
    client: Any
    base: str
    server_pids: Callable[[], list[int]]
    rss_kb: Callable[[list[int]], int]
    Row: Any


def pages() -> list[tuple[str, str, str]]:
    """The pages to time, filled in as the areas land."""
    from django.urls import NoReverseMatch, reverse

    result: list[tuple[str, str, str]] = [("dashboard", reverse("dashboard"), "p50 ≤ 60 ms")]
    for name, url_name, query, target in [
        ("unit directory", "organization:unit_list", "", "p50 ≤ 40 ms, p95 ≤ 100 ms"),
    ]:
        try:
            result.append((name, reverse(url_name) + query, target))
        except NoReverseMatch:
            continue
    return result


def jobs() -> list[Callable[[Context], Any]]:
    return []

"""A chart's text alternative: ``{% chart_table spec "table-id" %}`` renders the figures of a Chart.js
spec (the dict given to ``json_script``) as a visually hidden table that the canvas names with
``aria-describedby``, so a screen reader (and a printout) has the numbers the picture shows.

Specs are either ``{"title", "labels", "values"}`` (one series, the reports' charts) or
``{"labels", "datasets": [{"label", "data"}], "percent"?}`` (several series, publicity's trends)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from core.numbers import format_count, format_percent

register = template.Library()


@register.simple_tag
def chart_table(spec: dict[str, Any], table_id: str, title: str = "", css: str = "visually-hidden") -> str:
    labels = list(spec.get("labels") or [])
    if "datasets" in spec:
        series = [(str(d.get("label", "")), list(d.get("data") or [])) for d in spec["datasets"]]
    else:
        series = [(_("数量"), list(spec.get("values") or []))]
    shown = format_percent if spec.get("percent") else format_count
    head = format_html_join("", '<th scope="col">{}</th>', ((name,) for name, _data in series))
    rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th>{}</tr>',
        (
            (
                label,
                format_html_join(
                    "", "<td>{}</td>", ((shown(data[i]) if i < len(data) else "—",) for _name, data in series)
                ),
            )
            for i, label in enumerate(labels)
        ),
    )
    return format_html(
        '<table class="{}" id="{}" data-testid="chart-table"><caption>{}</caption>'
        '<thead><tr><th scope="col">{}</th>{}</tr></thead><tbody>{}</tbody></table>',
        css,
        table_id,
        title or spec.get("title", ""),
        _("项目"),
        head,
        rows,
    )

"""The .xlsx writer behind every export: what a user opening the file in a spreadsheet sees."""

from __future__ import annotations

import datetime
import decimal
import io
import zipfile

from openpyxl import load_workbook

from core.xlsx import Column, write_rows

COLUMNS = [
    Column("编号", lambda r: r["number"], 14),
    Column("登记日期", lambda r: r["day"], 12),
    Column("办结时间", lambda r: r["when"], 16),
    Column("涉及金额（元）", lambda r: r["amount"], 14),
    Column("涉及老人人数", lambda r: r["count"], 10),
    Column("重大线索", lambda r: r["major"], 8),
    Column("线索摘要", lambda r: r["text"], 40),
]


def _row(n: int, **overrides):
    row = {
        "number": f"XS-{n:05d}",
        "day": datetime.date(2026, 5, 20),
        "when": datetime.datetime(2026, 5, 20, 1, 30, tzinfo=datetime.UTC),
        "amount": decimal.Decimal("12345.67"),
        "count": 3,
        "major": True,
        "text": "以“养老公寓”投资为名吸收老人资金",
    }
    row.update(overrides)
    return row


def _read(rows):
    buffer = io.BytesIO()
    count = write_rows(buffer, "线索清单", COLUMNS, rows)
    buffer.seek(0)
    return count, load_workbook(buffer)


def test_a_workbook_reads_back_with_types_header_and_layout(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    count, wb = _read([_row(1), _row(2, major=False, amount=None, text="")])
    ws = wb.active
    assert count == 2
    assert ws.title == "线索清单"
    assert [c.value for c in ws[1]] == [c.header for c in COLUMNS]
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb.endswith("DDEBF7")
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["G"].width == 40
    first = [c.value for c in ws[2]]
    assert first[0] == "XS-00001"
    assert first[1] == datetime.datetime(2026, 5, 20)  # a real date, shown as yyyy-mm-dd
    assert ws["B2"].number_format == "yyyy-mm-dd"
    # Times are shown in the office's time zone (09:30 in Shanghai).
    assert first[2] == datetime.datetime(2026, 5, 20, 9, 30)
    assert first[3] == 12345.67 and first[4] == 3
    assert first[5] == "是" and first[6] == "以“养老公寓”投资为名吸收老人资金"
    second = [c.value for c in ws[3]]
    assert second[3] is None and second[5] == "否" and second[6] is None


def test_hostile_text_is_kept_as_text_and_never_breaks_the_file():
    hostile = [
        '=HYPERLINK("http://evil","点我")',
        "+1+cmd|' /C calc'!A0",
        "<script>alert(1)</script> & \"quotes\" 'single'",
        "控制字符\x00\x07\x1b结束\ufffe",
        "  前后空格\n换行  ",
    ]
    count, wb = _read([_row(i, text=t) for i, t in enumerate(hostile)])
    texts = [row[6].value for row in wb.active.iter_rows(min_row=2)]
    assert count == len(hostile)
    assert texts[0].startswith("'=") and texts[1].startswith("'+")  # not a formula
    assert texts[2] == hostile[2]
    assert texts[3] == "控制字符结束"
    assert texts[4] == hostile[4]
    assert all(cell.data_type != "f" for row in wb.active.iter_rows() for cell in row)


def test_rows_are_streamed_from_an_iterator_into_a_zip_of_constant_shape():
    def rows():
        for n in range(3000):
            yield _row(n)

    buffer = io.BytesIO()
    assert write_rows(buffer, "线索清单/导出:*?", COLUMNS, rows()) == 3000
    names = set(zipfile.ZipFile(buffer).namelist())
    assert {"[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/styles.xml"} <= names
    buffer.seek(0)
    ws = load_workbook(buffer, read_only=True).active
    assert ws.title == "线索清单导出"  # characters a sheet name may not hold are dropped
    assert sum(1 for _ in ws.iter_rows(values_only=True)) == 3001


def test_an_empty_export_still_opens_with_its_header():
    count, wb = _read([])
    assert count == 0
    assert [c.value for c in wb.active[1]][0] == "编号"
    assert wb.active.max_row == 1

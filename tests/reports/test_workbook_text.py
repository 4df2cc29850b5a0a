"""Names in the monthly workbook stay text: a unit or category named like a formula is not run
by the spreadsheet program that opens the report."""

from openpyxl import Workbook

from reports.workbook import _header, _row


def test_header_and_row_cells_named_like_formulas_stay_text():
    ws = Workbook().active
    _header(ws, ["单位", '=HYPERLINK("http://evil","点我")', "+1"])
    _row(ws, ["=1+2", 3])
    cells = [ws.cell(1, 2), ws.cell(1, 3), ws.cell(2, 1)]
    assert all(cell.data_type == "s" for cell in cells)
    assert [cell.value for cell in cells] == ['\'=HYPERLINK("http://evil","点我")', "'+1", "'=1+2"]
    assert ws.cell(2, 2).value == 3

"""XLSX cells become the text a CSV export would carry."""

from datetime import date, datetime

from shouwang.common.spreadsheet.xlsx import cell_text


def test_cells_as_csv_text():
    assert cell_text(None) == ""
    assert cell_text(231226100203) == "231226100203"
    assert cell_text(5200.0) == "5200" and cell_text(5200.5) == "5200.5"
    assert cell_text(datetime(2026, 3, 1, 0, 0)) == "2026-03-01"
    assert cell_text(date(2026, 3, 1)) == "2026-03-01"
    assert cell_text("  普通劳动力 ") == "普通劳动力"

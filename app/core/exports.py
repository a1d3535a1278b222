"""Tables as CSV or XLSX downloads (every list and chart offers both)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.core import clock
from app.errors import ValidationFailed

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Spreadsheet programs run cells starting with these as formulas: neutralise them (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return clock.as_utc(value).astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def render(fmt: str, columns: Sequence[tuple[str, str]], rows: Iterable[dict[str, Any]],
           sheet: str = "数据") -> tuple[bytes, str]:
    """(content, mimetype) of `rows` with `columns` = [(key, 中文表头)] as CSV or XLSX."""
    if fmt not in FORMATS:
        raise ValidationFailed("导出格式有误", {"format": ["格式须为 csv 或 xlsx"]})
    table = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    headers = [label for _, label in columns]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerows(table)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8"), FORMATS[fmt]  # BOM: Excel reads UTF-8
    workbook = Workbook()
    worksheet = workbook.active
    assert isinstance(worksheet, Worksheet)  # a new workbook starts with one worksheet
    worksheet.title = sheet[:31]
    worksheet.append(headers)
    for line in table:
        worksheet.append(line)
    for index, label in enumerate(headers, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(label) * 2 + 4))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue(), FORMATS[fmt]

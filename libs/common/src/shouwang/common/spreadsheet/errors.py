"""Why a spreadsheet cannot be read: a code, a Chinese message and the HTTP status it maps to."""

from typing import Any


class SpreadsheetError(Exception):
    """The file as a whole is refused (format, encoding, size); rows are never half-read."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(code)
        self.status, self.code, self.message, self.details = status, code, message, details


def unsupported_format() -> SpreadsheetError:
    return SpreadsheetError(415, "unsupported_format", "不支持 .xls 格式，请另存为 .xlsx 或 CSV")


def unreadable(what: str) -> SpreadsheetError:
    return SpreadsheetError(422, "unreadable_file", f"无法读取 {what} 文件")


def too_many_rows(max_rows: int) -> SpreadsheetError:
    return SpreadsheetError(
        413,
        "too_many_rows",
        f"文件行数超过上限 {max_rows} 行（含列名行和空行），请拆分后上传",
        {"max_rows": max_rows},
    )


def empty_file() -> SpreadsheetError:
    return SpreadsheetError(422, "empty_file", "文件为空：第一行应为列名")

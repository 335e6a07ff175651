"""CSV text: UTF-8 (with or without BOM) or GB18030/GBK, declared or detected."""

import codecs
import csv
import io
from collections.abc import Generator
from typing import IO

from shouwang.common.spreadsheet.errors import SpreadsheetError

UTF8 = "utf-8-sig"
GB18030 = "gb18030"
_CHUNK = 1 << 20
# GBK and GB2312 are subsets of GB18030: one codec reads all three
_CHARSETS = {
    "utf-8": UTF8,
    "utf8": UTF8,
    "utf-8-sig": UTF8,
    "gb18030": GB18030,
    "gbk": GB18030,
    "gb2312": GB18030,
    "cp936": GB18030,
}


def declared_encoding(charset: str | None) -> str | None:
    """The codec for a declared charset (None when nothing was declared)."""
    if not charset:
        return None
    codec = _CHARSETS.get(charset.strip().strip('"').lower())
    if codec is None:
        raise SpreadsheetError(
            415, "unsupported_encoding", f"不支持的文件编码：{charset[:40]}（请使用 UTF-8 或 GBK）"
        )
    return codec


def detect_encoding(file: IO[bytes], declared: str | None = None) -> str:
    """The codec that decodes the whole file strictly: as declared, else UTF-8, else GB18030."""
    for codec in (declared,) if declared else (UTF8, GB18030):
        if _decodes(file, codec):
            return codec
    if declared:
        message = f"CSV 文件内容与声明的编码 {declared} 不符"
    else:
        message = "无法识别 CSV 文件的编码：请使用 UTF-8 或 GBK 编码保存"
    raise SpreadsheetError(422, "unreadable_encoding", message)


def _decodes(file: IO[bytes], codec: str) -> bool:
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    file.seek(0)
    try:
        while chunk := file.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        file.seek(0)
    return True


def csv_rows(file: IO[bytes], codec: str) -> Generator[list[str], None, None]:
    """The file's records, decoded with `codec`, one at a time (quoted newlines kept)."""
    file.seek(0)
    text = io.TextIOWrapper(file, encoding=codec, newline="")
    reader = csv.reader(text)
    try:
        yield from reader
    except csv.Error as exc:
        raise SpreadsheetError(
            422,
            "unreadable_file",
            f"CSV 格式错误（第 {reader.line_num} 行附近）",
            {"reason": str(exc)},
        ) from None
    finally:
        if not file.closed:
            text.detach()  # the caller still owns the file (e.g. to file the original)


def charset_of(content_type: str | None) -> str | None:
    """The charset a Content-Type declares (`text/csv; charset=gbk` → gbk), if any."""
    _, _, params = (content_type or "").partition(";")
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip() or None
    return None

"""The one XLSX writer of the exports: rows in, bytes out as they are made, memory flat.

openpyxl's write-only mode keeps memory flat too, but it can only save a finished workbook: a
million-row export would sit silent for its whole run and then be copied from a temporary file.
Here the sheet's XML is deflated straight into a zip written to no file at all (entries carry
data descriptors, as any streamed zip does) and handed out in chunks while the rows still come.
One sheet of inline strings, a bold frozen header row; every text cell that a spreadsheet would
read as a formula (= + - @, tab, CR first) is prefixed with `'` (CSV/formula injection).
"""

import io
import math
import re
import zipfile
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import quoteattr

from openpyxl.utils import get_column_letter

Cell = str | int | float | Decimal | bool | date | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_CHARS = 32_767  # Excel's limit: a longer cell makes it "repair" the file
CHUNK = 64 * 1024
SHEET_PATH = "xl/worksheets/sheet1.xml"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# characters XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPACES = " \t\n\r"
_PARTS = {
    "[Content_Types].xml": (
        f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        f'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/{SHEET_PATH}" ContentType="{_TYPE}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_MAIN}"><fonts count="2"><font><sz val="11"/><name val="等线"/>'
        '</font><font><b/><sz val="11"/><name val="等线"/></font></fonts><fills count="2">'
        '<fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
        '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/>'
        '</border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
        'borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" '
        'fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" '
        'xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" '
        'xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    ),
}


def neutralise(value: str) -> str:
    """Text a spreadsheet would evaluate as a formula, quoted so that it stays text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _text(value: str) -> str:
    """Neutralised, cut to Excel's limit, stripped of what XML cannot carry, escaped."""
    text = neutralise(value)
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS]
    if _SPECIAL.search(text):
        text = _ILLEGAL.sub("", text).replace("&", "&amp;").replace("<", "&lt;")
        text = text.replace(">", "&gt;").replace("\r", "&#13;")  # a bare CR would read as LF
    return text


def _cell(ref: str, value: Cell, style: str = "") -> str:
    """One `<c>`; None leaves the cell out (every cell carries its reference)."""
    kind = type(value)
    if kind is not str:
        if value is None:
            return ""
        if kind is bool:
            return f'<c r="{ref}"{style} t="b"><v>{int(bool(value))}</v></c>'
        if isinstance(value, int | Decimal) or (isinstance(value, float) and math.isfinite(value)):
            return f'<c r="{ref}"{style}><v>{value}</v></c>'
        if isinstance(value, datetime):
            value = value.strftime("%Y-%m-%d %H:%M:%S")
        elif isinstance(value, date):
            value = value.isoformat()
    text = _text(str(value))
    if text and (text[0] in _SPACES or text[-1] in _SPACES):
        return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f'<c r="{ref}"{style} t="inlineStr"><is><t>{text}</t></is></c>'


def _plain(value: Cell) -> bool:
    """Text that goes into the XML as it is (no quote, no escape checked here, no padding)."""
    return (
        type(value) is str
        and 0 < len(value) <= MAX_CELL_CHARS
        and not value.startswith(FORMULA_STARTS)
        and value[0] not in _SPACES
        and value[-1] not in _SPACES
    )


def _row(n: str, letters: Sequence[str], cells: Sequence[Cell]) -> str:
    """One `<row>`: the hot loop of a big export, so plain text skips `_cell`'s checks once one
    search over the row's text has found nothing to escape."""
    texts = "".join([v for v in cells if type(v) is str])
    if _SPECIAL.search(texts):
        body = "".join([_cell(c + n, v) for c, v in zip(letters, cells, strict=False)])
    else:
        body = "".join(
            [
                f'<c r="{c}{n}" t="inlineStr"><is><t>{v}</t></is></c>'
                if _plain(v)
                else _cell(c + n, v)
                for c, v in zip(letters, cells, strict=False)
            ]
        )
    return f'<row r="{n}">{body}</row>'


def _width(header: str) -> int:
    """A column wide enough for its header (a CJK character takes two widths), at least 10."""
    return max(10, min(60, sum(2 if ord(ch) > 0x2E7F else 1 for ch in header) + 2))


class _Sink(io.RawIOBase):
    """A write-only, unseekable file keeping what was written until it is taken."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self._parts.append(chunk)
        self.size += len(chunk)
        return len(chunk)

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return out


class XlsxWriter:
    """One sheet written row by row; `take()` hands over the bytes made so far."""

    def __init__(self, title: str, headers: Sequence[str], *, compresslevel: int = 1) -> None:
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(
            self._sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
        )
        sheet = f'<sheet name={quoteattr(title[:31])} sheetId="1" r:id="rId1"/>'
        sheets = f"<sheets>{sheet}</sheets>"
        parts = {
            **_PARTS,
            "xl/workbook.xml": f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">{sheets}</workbook>',
        }
        for name, xml in parts.items():
            self._zip.writestr(name, _DECL + xml)
        self._letters = [get_column_letter(i + 1) for i in range(max(1, len(headers)))]
        self._sheet = self._zip.open(SHEET_PATH, "w")
        self.rows = 0  # data rows written, the header not counted
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{_width(h)}" customWidth="1"/>'
            for i, h in enumerate(headers, 1)
        )
        frozen = (
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        )
        head = "".join(
            _cell(f"{c}1", h, ' s="1"') for c, h in zip(self._letters, headers, strict=False)
        )
        self._put(
            f'{_DECL}<worksheet xmlns="{_MAIN}">{frozen}'
            f'{f"<cols>{cols}</cols>" if cols else ""}<sheetData><row r="1">{head}</row>'
        )

    def _put(self, xml: str) -> None:
        self._sheet.write(xml.encode())

    def append(self, rows: Iterable[Sequence[Cell]]) -> None:
        """Write rows (cells past the header's width are dropped)."""
        letters, out, n = self._letters, [], self.rows + 1
        for cells in rows:
            n += 1
            out.append(_row(str(n), letters, cells))
        self.rows = n - 1
        if out:
            self._put("".join(out))

    def take(self, at_least: int = 0) -> bytes:
        """The finished bytes so far (none until there are `at_least` of them)."""
        return self._sink.take() if self._sink.size >= max(at_least, 1) else b""

    def close(self) -> bytes:
        """End the sheet and the archive; the last bytes."""
        self._put("</sheetData></worksheet>")
        self._sheet.close()
        self._zip.close()
        return self._sink.take()

    def discard(self) -> None:
        """Drop an unfinished workbook (its reader went away), its archive closed quietly."""
        if not self._sheet.closed:
            self._sheet.close()
        self._zip.close()
        self._sink.take()


async def xlsx_stream(
    title: str,
    headers: Sequence[str],
    rows: AsyncIterable[Sequence[Cell]],
    *,
    batch: int = 500,
    chunk: int = CHUNK,
) -> AsyncIterator[bytes]:
    """The workbook of `rows` under `headers`, as chunks of about `chunk` bytes."""
    book = XlsxWriter(title, headers)
    pending: list[Sequence[Cell]] = []
    try:
        async for row in rows:
            pending.append(row)
            if len(pending) >= batch:
                book.append(pending)
                pending.clear()
                if data := book.take(at_least=chunk):
                    yield data
        book.append(pending)
        last = book.take() + book.close()
    except BaseException:
        book.discard()
        raise
    yield last

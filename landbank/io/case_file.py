"""The case file (案卷) as a zip: entries named safely and once, already-compressed
files stored as they are, the index (卷内目录) as a workbook and a page, the history as
CSV Excel opens (the PDFs: ``io.documents.pdfs_of``)."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from landbank.io.attachments import COMPRESSED

INDEX_COLUMNS = ("序号", "文书名称", "文号", "日期", "页数", "文件")
HISTORY_COLUMNS = (
    ("at", "记录时间"),
    ("on", "日期"),
    ("source", "来源"),
    ("what", "事项"),
    ("old_value", "原值"),
    ("new_value", "新值"),
    ("by", "经办人"),
    ("note", "说明"),
    ("number", "文号"),
)
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_NAME_MAX = 96  # characters of a file name inside the zip, its extension included


@dataclass
class IndexRow:
    """One line of the index: a document, a proof of service or a piece of evidence."""

    seq: int
    title: str
    number: str | None
    on: dt.date | None
    pages: int | None = None
    files: list[str] = field(default_factory=list)


def safe_name(name: str) -> str:
    """``name`` as a file name inside a zip: no folders, no control or reserved
    characters, no leading dots, at most ``_NAME_MAX`` characters (the extension kept);
    "file" when nothing is left."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) > 10:
        stem, suffix = name, ""
    suffix = f".{suffix}" if suffix else ""
    stem = stem[: _NAME_MAX - len(suffix)].rstrip(" .") or "file"
    return stem + suffix


class CaseZip:
    """A case file being written to ``out`` (a path or a binary stream): each entry
    named once, stored as it is where its type is already compressed."""

    def __init__(self, out: Path | BinaryIO, moment: dt.datetime):
        self.zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
        self.moment = moment.astimezone().replace(tzinfo=None)
        self.names: list[str] = []
        self._taken: set[str] = set()

    def name(self, folder: str, seq: int, width: int, filename: str) -> str:
        """A unique entry name ``folder/SEQ_filename`` (made safe; a repeat gets _2)."""
        base = safe_name(f"{seq:0{width}d}_{filename}")
        stem, suffix = (base.rsplit(".", 1) + [""])[:2]
        suffix = f".{suffix}" if suffix else ""
        entry, n = f"{folder}/{base}" if folder else base, 1
        while entry.casefold() in self._taken:
            n += 1
            entry = f"{folder}/{stem}_{n}{suffix}" if folder else f"{stem}_{n}{suffix}"
        self._taken.add(entry.casefold())
        return entry

    def add(self, entry: str, content: bytes, media_type: str | None = None) -> None:
        """Writes ``content`` as ``entry``: stored as it is for PDF, JPEG, PNG and
        .docx (compressing them again gains nothing), deflated otherwise."""
        info = zipfile.ZipInfo(entry, date_time=self.moment.timetuple()[:6])
        info.compress_type = (
            zipfile.ZIP_STORED if media_type in COMPRESSED else zipfile.ZIP_DEFLATED
        )
        info.external_attr = 0o644 << 16
        self.zip.writestr(info, content)
        self.names.append(entry)

    def close(self) -> None:
        self.zip.close()


def index_xlsx(rows: list[IndexRow], title: str, notes: list[str]) -> bytes:
    """The index (卷内目录) as a workbook: the header row (序号, 文书名称, 文号, 日期, 页数,
    文件), one row per entry, then a blank row and the ``notes``; ``title`` names the
    sheet's print header."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "卷内目录"
    ws.append(list(INDEX_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(
            [r.seq, r.title, r.number or "", r.on, r.pages if r.pages is not None else "",
             "\n".join(r.files)]
        )  # fmt: skip
        ws.cell(ws.max_row, 4).number_format = "yyyy-mm-dd"
        ws.cell(ws.max_row, 6).alignment = Alignment(wrap_text=True, vertical="top")
    if notes:
        ws.append([])
        for note in notes:
            ws.append([note])
    for letter, width in zip("ABCDEF", (6, 34, 26, 12, 6, 60), strict=True):
        ws.column_dimensions[letter].width = width
    ws.oddHeader.center.text = title
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def index_html(rows: list[IndexRow], title: str, notes: list[str]) -> bytes:
    """The index as one self-contained HTML page (UTF-8), the same columns as the
    workbook; file names link to the entries beside it in the zip."""
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in INDEX_COLUMNS)
    body = []
    for r in rows:
        links = "<br>".join(f'<a href="{e(quote(f))}">{e(f)}</a>' for f in r.files)
        cells = [
            str(r.seq), e(r.title), e(r.number or ""), r.on.isoformat() if r.on else "",
            "" if r.pages is None else str(r.pages), links,
        ]  # fmt: skip
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    foot = "".join(f"<p>{e(n)}</p>" for n in notes)
    page = (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>{e(title)}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px;"
        "vertical-align:top}th{background:#eee}</style></head><body>"
        f"<h1>{e(title)}</h1><table><thead><tr>{head}</tr></thead><tbody>"
        + "".join(body)
        + f"</tbody></table>{foot}</body></html>"
    )
    return page.encode("utf-8")


def history_csv(rows: list[dict]) -> bytes:
    """``rows`` (dicts keyed as ``HISTORY_COLUMNS``) as CSV in UTF-8 with a BOM (so
    Excel reads the Chinese), headers in Chinese and English."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([f"{zh} {key}" for key, zh in HISTORY_COLUMNS])
    for row in rows:
        writer.writerow([_cell(row.get(k)) for k, _ in HISTORY_COLUMNS])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _cell(value) -> str:
    """A CSV cell Excel shows as text: one starting like a formula (=, +, -, @) gets a
    leading apostrophe, unless it is a number."""
    if value is None:
        return ""
    value = str(value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value

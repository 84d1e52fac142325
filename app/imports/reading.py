"""A transfer list as uploaded (XLSX, XLS, ODS or CSV bytes) read into one table of text.

The kind of file is told from its content, never from its name or the browser's word for it:
an XLSX or ODS is a ZIP archive (its `[Content_Types].xml`, or its `mimetype` member), an XLS an
OLE2 compound file (magic D0 CF 11 E0 A1 B1 1A E1, MS-CFB §2.2), anything else is read as CSV
text. Workbooks are read by calamine (Rust; runs no macro, gives a formula's cached value).

Refused with `UnreadableList`, before anything is stored, each with a message a person can act
on: a file over `Limits.max_bytes`; a ZIP that would unpack past `Limits.max_unpacked`, holds
more than `Limits.max_entries` members, has a member that unpacks more than `Limits.max_ratio`
times its packed size, or unpacks to more than its directory declares (zip bombs); a workbook
protected with a password (encrypted OOXML, an XLS with a FILEPASS record, an encrypted ODS);
a workbook with macros (`vbaProject.bin`, an XLS `_VBA_PROJECT_CUR` storage, an ODS `Basic/`
or `Scripts/` folder, an Excel 4 macro sheet); Excel's binary .xlsb; a web page or Excel 2003
XML saved under a spreadsheet name; a file that is not text; an empty sheet; headings without
rows; more than `Limits.max_rows` rows of people.
"""

from __future__ import annotations

import codecs
import copy
import csv
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import charset_normalizer
import python_calamine
from flask_babel import lazy_gettext as _l

from app.core.text import clean

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much of a file Awda will read. Sizes in bytes; rows counted without blank rows.

    A transfer list is a few hundred to a few thousand people; these leave room for the largest
    (a whole camp) and refuse what no list needs.
    """

    max_bytes: int = 20 * MB
    max_unpacked: int = 200 * MB
    max_entries: int = 10_000
    max_ratio: int = 100  # unpacked to packed, per member (sheet XML is typically 5-20)
    ratio_floor: int = 1 * MB  # members smaller than this unpack to nothing harmful
    max_rows: int = 50_000


class UnreadableList(ValueError):
    """The file cannot be read as a list; `message` (translatable) says what to do instead."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Table:
    """A list as read: text only, cleaned with `app.core.text.clean`.

    `kind` is "xlsx", "xls", "ods" or "csv"; `sheet` the sheet read ("" for CSV); `encoding` the
    CSV's encoding ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "windows-1256"…; "" for a
    workbook). `headers` is the first non-blank row; `rows` every later non-blank row, each as
    long as `headers`. A date cell is "YYYY-MM-DD" ("YYYY-MM-DD HH:MM" with a time of day), a
    whole number "12" (not "12.0"), an empty cell "". `row_numbers[i]` is the number the sheet
    shows beside `rows[i]` (a CSV's record number), 1 for the first row of the sheet.
    """

    kind: str
    sheet: str
    encoding: str
    headers: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    filename: str = ""

    def sample(self, n: int = 5) -> list[tuple[int, list[str]]]:
        """The first `n` rows as (sheet row number, cells), for a preview."""
        return list(zip(self.row_numbers[:n], self.rows[:n], strict=True))


def read_table(
    data: bytes,
    filename: str,
    limits: Limits = Limits(),
    sheet: str | None = None,
    encoding: str | None = None,
) -> Table:
    """The table in `data`: the sheet named `sheet`, else the first sheet with data.

    `filename` is the name as uploaded; it is kept on the table for the person's eyes and is
    never trusted for the kind (a CSV named .xls is still read as CSV). A CSV is decoded as
    `encoding` when the person chose one (one of `ENCODINGS`), else as detected. Raises
    `UnreadableList`.
    """
    if len(data) > limits.max_bytes:
        raise UnreadableList(too_large(limits.max_bytes // MB))
    if data.startswith(_ZIP_MAGIC):
        kind = _check_zip(data, limits)
    elif data.startswith(_OLE2_MAGIC):
        kind = _check_ole2(data)
    else:
        return _read_csv(data, filename, limits, encoding)
    return _read_workbook(data, kind, filename, limits, sheet)


# --- Messages -------------------------------------------------------------------------------


def too_large(limit_mb: int) -> str:
    """What to do with a list over `limit_mb` MB (also said when the upload is refused unread)."""
    return _l(
        "This file is larger than %(limit)d MB. Split the list into smaller files, or delete "
        "other sheets and pictures from it, and upload again.",
        limit=limit_mb,
    )


_NOT_A_LIST = _l(
    "Awda cannot read this file as a list. Open it in Excel or LibreOffice, save it as .xlsx, "
    ".ods or .csv and upload that."
)
_DAMAGED = _l(
    "This file seems damaged and could not be read. Open it in Excel or LibreOffice, save it "
    "again and upload the new copy."
)
_TOO_PACKED = _l(
    "This file unpacks to far more than a list of people needs, so Awda will not open it. "
    "Open it in Excel or LibreOffice, save it again as .xlsx and upload that."
)
_PASSWORD = _l(
    "This workbook is protected with a password. Open it in Excel, remove the password "
    "(File, Info, Protect Workbook, Encrypt with Password), save it and upload it again."
)
_MACROS = _l(
    "This workbook contains macros, which Awda does not open. In Excel choose File, Save As, "
    "and save it as .xlsx (Excel Workbook) without macros, then upload that."
)
_XLSB = _l(
    "This workbook is in Excel's binary format (.xlsb). In Excel choose File, Save As, and save "
    "it as .xlsx (Excel Workbook), then upload that."
)
_WEB_PAGE = _l(
    "This file is a web page or an old Excel XML file with a spreadsheet name. Open it in "
    "Excel, save it as .xlsx (Excel Workbook) and upload that."
)
_EMPTY = _l(
    "The list is empty. Check that you chose the right file and that the people are on the "
    "first sheet."
)
_HEADERS_ONLY = _l(
    "The list has column headings but no people under them. Check that you chose the right file."
)


def _too_many_rows(limits: Limits) -> str:
    return _l(
        "The list has more than %(limit)d rows. Split it into smaller files and upload each.",
        limit=limits.max_rows,
    )


# --- ZIP: XLSX and ODS ----------------------------------------------------------------------

_ZIP_MAGIC = b"PK\x03\x04"
_ODS_MIMETYPES = (
    b"application/vnd.oasis.opendocument.spreadsheet",
    b"application/vnd.oasis.opendocument.spreadsheet-template",
)
# Content types of the workbook part (ECMA-376 Part 1 §12.3.23, MS-OFFCRYPTO not involved).
_XLSX_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
_XLSM_TYPES = (
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.ms-excel.addin.macroEnabled.main+xml",
)
_XLSB_TYPE = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
_SMALL_MEMBER = 1 * MB  # [Content_Types].xml, mimetype and manifest.xml are a few kB


def _check_zip(data: bytes, limits: Limits) -> str:
    """ "xlsx" or "ods" for a ZIP Awda may open; raises `UnreadableList` otherwise.

    Sizes are checked from the ZIP's central directory before a byte is unpacked, then
    measured while unpacking once, since a directory can lie (calamine trusts it)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_declared_sizes(members, limits)
            kind = _zip_kind(archive)
            _check_unpacked_sizes(archive, members)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error):
        raise UnreadableList(_DAMAGED) from None
    except (RuntimeError, NotImplementedError):  # ZIP-level password, or an unknown compression
        raise UnreadableList(_NOT_A_LIST) from None
    return kind


def _check_declared_sizes(members: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse a ZIP whose directory announces a bomb: too many members, too much unpacked, or a
    large member packed tighter than `limits.max_ratio` to 1."""
    if len(members) > limits.max_entries:
        raise UnreadableList(_TOO_PACKED)
    if sum(member.file_size for member in members) > limits.max_unpacked:
        raise UnreadableList(_TOO_PACKED)
    for member in members:
        if member.file_size > limits.ratio_floor and member.file_size > limits.max_ratio * max(
            member.compress_size, 1
        ):
            raise UnreadableList(_TOO_PACKED)


def _check_unpacked_sizes(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """Unpack every member, counting, and refuse one that gives more than its declared size.

    `zipfile` stops at the declared size; asking it for one byte more shows a member that goes
    on past it. The probe carries no CRC, which `zipfile` then skips: the CRC of a truncated
    member would fail before the count could tell why. Damage errors propagate."""
    for member in members:
        probe = copy.copy(member)
        probe.file_size = member.file_size + 1
        probe.CRC = None
        unpacked = 0
        with archive.open(probe) as stream:
            while chunk := stream.read(MB):
                unpacked += len(chunk)
                if unpacked > member.file_size:
                    raise UnreadableList(_TOO_PACKED)


def _zip_kind(archive: zipfile.ZipFile) -> str:
    """What the archive holds, from its own declarations; raises `UnreadableList`."""
    names = archive.namelist()
    lowered = [name.lower() for name in names]
    if any(name.endswith("vbaproject.bin") for name in lowered):
        raise UnreadableList(_MACROS)
    if "mimetype" in names:
        return _ods_kind(archive, lowered)
    if "[Content_Types].xml" in names:
        return _ooxml_kind(_small_member(archive, "[Content_Types].xml").decode("utf-8", "replace"))
    raise UnreadableList(_NOT_A_LIST)


def _ods_kind(archive: zipfile.ZipFile, lowered: list[str]) -> str:
    """ "ods" for an OpenDocument spreadsheet (ODF 1.3 Part 2 §3.3) without macros or password."""
    if _small_member(archive, "mimetype").strip() not in _ODS_MIMETYPES:
        raise UnreadableList(_NOT_A_LIST)
    # LibreOffice keeps Basic macros under Basic/ and scripts under Scripts/ (ODF §2.2 "Scripts").
    if any(name.startswith(("basic/", "scripts/")) for name in lowered):
        raise UnreadableList(_MACROS)
    manifest = "META-INF/manifest.xml"
    if manifest in archive.namelist() and b"encryption-data" in _small_member(archive, manifest):
        raise UnreadableList(_PASSWORD)
    return "ods"


def _ooxml_kind(content_types: str) -> str:
    """ "xlsx" for a workbook's `[Content_Types].xml`; macro and binary workbooks refused."""
    if any(kind in content_types for kind in _XLSM_TYPES):
        raise UnreadableList(_MACROS)
    if _XLSB_TYPE in content_types:
        raise UnreadableList(_XLSB)
    if any(kind in content_types for kind in _XLSX_TYPES):
        return "xlsx"
    raise UnreadableList(_NOT_A_LIST)  # a Word or PowerPoint file, most likely


def _small_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """A member that is a few kB in any honest file; read only up to `_SMALL_MEMBER` bytes."""
    with archive.open(name) as stream:
        return stream.read(_SMALL_MEMBER)


# --- OLE2: XLS, and what Office wraps in it -------------------------------------------------

_OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_END_OF_CHAIN = 0xFFFFFFFE
_LAST_SECTOR = 0xFFFFFFFA  # numbers from here up mark free, chain-end, FAT or DIFAT sectors
_ENTRY = 128
_XLS_BOF, _XLS_FILEPASS = 0x0809, 0x002F  # MS-XLS §2.4.21 BOF, §2.4.117 FilePass


@dataclass(frozen=True)
class _Stream:
    start: int  # first sector
    size: int  # bytes


def _check_ole2(data: bytes) -> str:
    """ "xls" for an OLE2 file holding an Excel 97-2003 workbook without macros or password.

    Office also wraps a password-protected .xlsx in OLE2 (MS-OFFCRYPTO §2.3.4.4:
    `EncryptionInfo` and `EncryptedPackage` streams); a Word .doc is OLE2 too."""
    entries = _ole2_entries(data)
    if "encryptioninfo" in entries or "encryptedpackage" in entries:
        raise UnreadableList(_PASSWORD)
    if "_vba_project_cur" in entries or "macros" in entries:
        raise UnreadableList(_MACROS)
    workbook = entries.get("workbook") or entries.get("book")
    if workbook is None:
        raise UnreadableList(_NOT_A_LIST)
    if _xls_has_filepass(data, workbook):
        raise UnreadableList(_PASSWORD)
    return "xls"


def _ole2_entries(data: bytes) -> dict[str, _Stream]:
    """Every storage and stream of an OLE2 file by lower-cased name (MS-CFB §2.6; names are
    case-insensitive there). Raises `UnreadableList` on a malformed file."""
    try:
        sector_size, fat = _ole2_fat(data)
        directory_sector = struct.unpack_from("<I", data, 0x30)[0]
        entries: dict[str, _Stream] = {}
        for sector in _chain(directory_sector, fat):
            block = _sector(data, sector, sector_size)
            for offset in range(0, sector_size, _ENTRY):
                _add_entry(entries, block[offset : offset + _ENTRY])
    except (struct.error, UnicodeDecodeError):
        raise UnreadableList(_DAMAGED) from None
    return entries


def _ole2_fat(data: bytes) -> tuple[int, list[int]]:
    """(sector size in bytes, the file allocation table) from the header (MS-CFB §2.2-2.5)."""
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if shift not in (9, 12):
        raise UnreadableList(_DAMAGED)
    sector_size = 1 << shift
    (fat_count,) = struct.unpack_from("<I", data, 0x2C)
    difat_sector, difat_count = struct.unpack_from("<II", data, 0x44)
    difat = list(struct.unpack_from("<109I", data, 0x4C))
    per_sector = sector_size // 4
    for _ in range(min(difat_count, len(data) // sector_size)):
        if difat_sector >= _LAST_SECTOR:
            break
        more = struct.unpack(f"<{per_sector}I", _sector(data, difat_sector, sector_size))
        difat.extend(more[:-1])
        difat_sector = more[-1]
    fat_sectors = [sector for sector in difat if sector < _LAST_SECTOR][:fat_count]
    table = b"".join(_sector(data, sector, sector_size) for sector in fat_sectors)
    return sector_size, list(struct.unpack(f"<{len(table) // 4}I", table))


def _chain(start: int, fat: list[int]) -> list[int]:
    """The sectors of a chain from `start`; a loop or a number past the table is damage."""
    sectors: list[int] = []
    sector = start
    while sector != _END_OF_CHAIN:
        if sector >= len(fat) or len(sectors) >= len(fat):
            raise UnreadableList(_DAMAGED)
        sectors.append(sector)
        sector = fat[sector]
    return sectors


def _sector(data: bytes, number: int, size: int) -> bytes:
    start = (number + 1) * size  # the header takes the place of sector -1
    if start + size > len(data):
        raise UnreadableList(_DAMAGED)
    return data[start : start + size]


def _add_entry(entries: dict[str, _Stream], entry: bytes) -> None:
    """One 128-byte directory entry (MS-CFB §2.6.1): UTF-16 name, its length in bytes with the
    terminating NUL, the object type (1 storage, 2 stream, 5 root), first sector, size."""
    name_length = struct.unpack_from("<H", entry, 0x40)[0]
    if entry[0x42] not in (1, 2, 5) or not 2 <= name_length <= 64:
        return  # unused entry
    name = entry[: name_length - 2].decode("utf-16-le").lower()
    start, size = struct.unpack_from("<IQ", entry, 0x74)
    entries[name] = _Stream(start, size)


def _xls_has_filepass(data: bytes, workbook: _Stream) -> bool:
    """True when the workbook stream's BOF record is followed by FILEPASS, the mark of an XLS
    encrypted with a password (MS-XLS §2.2.10). A stream under 4096 bytes lives in the
    mini-stream; that rare case is left to calamine, which refuses it with `PasswordError`."""
    if workbook.size < 4096:
        return False
    sector_size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    first = _sector(data, workbook.start, sector_size)
    record, length = struct.unpack_from("<HH", first, 0)
    if record != _XLS_BOF or 4 + length + 2 > len(first):
        return False
    return struct.unpack_from("<H", first, 4 + length)[0] == _XLS_FILEPASS


# --- Workbooks, through calamine ------------------------------------------------------------


def _read_workbook(
    data: bytes, kind: str, filename: str, limits: Limits, sheet: str | None
) -> Table:
    """The table of a checked XLSX, XLS or ODS (`kind`), through calamine."""
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        if any(
            meta.typ == python_calamine.SheetTypeEnum.MacroSheet
            for meta in workbook.sheets_metadata
        ):
            raise UnreadableList(_MACROS)  # Excel 4 macros, in an XLS's own sheets
        name, cells = _choose_sheet(workbook, sheet, limits)
    except python_calamine.PasswordError:
        raise UnreadableList(_PASSWORD) from None
    except python_calamine.CalamineError:
        raise UnreadableList(_DAMAGED) from None
    headers, rows, numbers = _table(cells, limits)
    return Table(kind, name, "", headers, rows, numbers, filename)


def _choose_sheet(
    workbook: python_calamine.CalamineWorkbook, sheet: str | None, limits: Limits
) -> tuple[str, list[tuple[int, list[str]]]]:
    """(name, numbered non-blank rows) of the sheet named `sheet`, else of the first sheet
    with data, visible worksheets before hidden ones."""
    if sheet is not None:
        if sheet not in workbook.sheet_names:
            raise UnreadableList(
                _l(
                    "The workbook has no sheet named “%(sheet)s”. Its sheets are: %(names)s.",
                    sheet=sheet,
                    names=", ".join(workbook.sheet_names),
                )
            )
        return sheet, _sheet_rows(workbook.get_sheet_by_name(sheet), limits)
    worksheets = [
        m for m in workbook.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet
    ]
    visible = python_calamine.SheetVisibleEnum.Visible
    worksheets.sort(key=lambda meta: meta.visible != visible)  # stable: workbook order kept
    for meta in worksheets:
        rows = _sheet_rows(workbook.get_sheet_by_name(meta.name), limits)
        if rows:
            return meta.name, rows
    return (worksheets[0].name if worksheets else ""), []


def _sheet_rows(
    sheet: python_calamine.CalamineSheet, limits: Limits
) -> list[tuple[int, list[str]]]:
    """Non-blank rows as (sheet row number, cell texts); stops past `limits.max_rows` + 1.

    calamine's `iter_rows` yields the rows above the first used one as empty rows, so the
    position of a row is its number on the sheet."""
    numbered: list[tuple[int, list[str]]] = []
    for position, row in enumerate(sheet.iter_rows()):
        cells = [_cell_text(value) for value in row]
        if any(cells):
            numbered.append((position + 1, cells))
            if len(numbered) > limits.max_rows + 1:  # the headings and one row too many
                raise UnreadableList(_too_many_rows(limits))
    return numbered


def _cell_text(value: object) -> str:
    """A calamine cell value as Awda's text (see `Table`)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"  # as Excel and LibreOffice show it
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, datetime):
        if value.time() == time.min:
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, timedelta):  # a duration cell; not a list's business, shown as hours
        return str(value)
    return clean(str(value))


def _number_text(value: float) -> str:
    """A whole float as an integer ("12"), else as Excel shows it, 15 significant digits."""
    if value.is_integer():
        return str(int(value))
    return f"{value:.15g}"


# --- CSV ------------------------------------------------------------------------------------

# BOM-less encodings Awda expects, in the names Python's codecs and charset-normalizer use:
# Arabic Windows (by far the most common in Iraqi offices), Arabic ISO, Western Windows for
# lists typed in Latin letters.
_LEGACY_ENCODINGS = ["cp1256", "iso8859_6", "cp1252"]
_ENCODING_LABELS = {"cp1256": "windows-1256", "iso8859_6": "iso-8859-6", "cp1252": "windows-1252"}
_SNIFF_CHARS = 64 * 1024
_WEB_PAGE_START = re.compile(r"\s*<(?:!doctype|html|\?xml|table|meta)", re.IGNORECASE)
_CONTROLS_ALLOWED = 0.001  # a stray Ctrl-Z from DOS, not the control codes of binary data


def _read_csv(data: bytes, filename: str, limits: Limits, chosen: str | None) -> Table:
    text, encoding = _decode_as(data, chosen) if chosen else _decode(data)
    if _WEB_PAGE_START.match(text[:1024]):
        raise UnreadableList(_WEB_PAGE)
    _check_is_text(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    numbered: list[tuple[int, list[str]]] = []
    try:
        for number, record in enumerate(reader, start=1):
            cells = [clean(value) for value in record]
            if any(cells):
                numbered.append((number, cells))
                if len(numbered) > limits.max_rows + 1:
                    raise UnreadableList(_too_many_rows(limits))
    except csv.Error:  # a field past csv's 128 kB limit, most likely: not a list
        raise UnreadableList(_NOT_A_LIST) from None
    headers, rows, numbers = _table(numbered, limits)
    return Table("csv", "", encoding, headers, rows, numbers, filename)


# The encodings a person may choose for a CSV, as Python names them.
ENCODINGS = (
    "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "windows-1256", "iso-8859-6",
    "windows-1252",
)  # fmt: skip


def _decode_as(data: bytes, encoding: str) -> tuple[str, str]:
    if encoding not in ENCODINGS:
        raise UnreadableList(_NOT_A_LIST)
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        raise UnreadableList(
            _l("This file is not written in %(encoding)s. Choose another.", encoding=encoding)
        ) from None


def _decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of CSV bytes, exact checks first: a byte-order mark, BOM-less
    UTF-16, valid UTF-8; then charset-normalizer's best among `_LEGACY_ENCODINGS`."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16"), "utf-16"
    except UnicodeDecodeError:
        raise UnreadableList(_NOT_A_LIST) from None
    # Before UTF-8: UTF-16 Arabic and ASCII are all bytes under 0x80, valid UTF-8 with NULs.
    if (utf16 := _bomless_utf16(data)) is not None:
        try:
            return data.decode(utf16), utf16.replace("_", "-")
        except UnicodeDecodeError:
            raise UnreadableList(_NOT_A_LIST) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise UnreadableList(_NOT_A_LIST)
    best = charset_normalizer.from_bytes(data, cp_isolation=_LEGACY_ENCODINGS).best()
    if best is None:
        raise UnreadableList(_NOT_A_LIST)
    return str(best), _ENCODING_LABELS.get(best.encoding, best.encoding)


def _bomless_utf16(data: bytes) -> str | None:
    """ "utf_16_le" or "utf_16_be" when the NUL bytes of `data` fall on one side of each pair,
    as the commas, digits and line ends of UTF-16 text do; else None."""
    head = data[:4096]
    if len(head) % 2:
        head = head[:-1]
    if not head:
        return None
    odd_nuls, even_nuls = head[1::2].count(0), head[0::2].count(0)
    pairs = len(head) // 2
    if odd_nuls > pairs // 10 and even_nuls == 0:
        return "utf_16_le"
    if even_nuls > pairs // 10 and odd_nuls == 0:
        return "utf_16_be"
    return None


def _check_is_text(text: str) -> None:
    """Refuse decoded bytes with NULs or more than a trace of other control characters
    (`clean` removes such a trace from the cells)."""
    head = text[:_SNIFF_CHARS]
    controls = sum(
        1 for char in head if char not in "\t\r\n" and unicodedata.category(char) == "Cc"
    )
    if "\x00" in head or controls > 1 + len(head) * _CONTROLS_ALLOWED:
        raise UnreadableList(_NOT_A_LIST)


def _delimiter(text: str) -> str:
    """Comma, semicolon (Excel where the decimal mark is a comma) or tab (Excel's "Unicode
    text"), as `csv.Sniffer` finds it in the whole first lines; comma when it cannot tell."""
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


# --- The table ------------------------------------------------------------------------------


def _table(
    numbered: list[tuple[int, list[str]]], limits: Limits
) -> tuple[list[str], list[list[str]], list[int]]:
    """(headers, rows, row numbers) from numbered non-blank rows: the first is the headings;
    all are cut to the last column with anything in it and padded to that width."""
    if not numbered:
        raise UnreadableList(_EMPTY)
    if len(numbered) == 1:
        raise UnreadableList(_HEADERS_ONLY)
    if len(numbered) - 1 > limits.max_rows:
        raise UnreadableList(_too_many_rows(limits))
    width = max(_used_width(cells) for _, cells in numbered)
    padded = [cells[:width] + [""] * (width - len(cells)) for _, cells in numbered]
    return padded[0], padded[1:], [number for number, _ in numbered[1:]]


def _used_width(cells: list[str]) -> int:
    for index in range(len(cells), 0, -1):
        if cells[index - 1]:
            return index
    return 0

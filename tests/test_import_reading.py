"""Transfer lists read from real files made here: XLSX (XlsxWriter), ODS (a minimal one by hand),
XLS (made once by xlwt, kept below), CSV in the encodings Iraqi offices save; what is refused and
why; and dates as written in Iraq, day first."""

from __future__ import annotations

import base64
import codecs
import io
import random
import re
import struct
import zipfile
import zlib
from datetime import date, datetime

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from app.identity.person import Precision
from app.imports.dates import DateProblem, ReadDate, from_serial, read_date
from app.imports.reading import Limits, UnreadableList, read_table

HEADERS = ["الاسم الكامل", "اسم الأم", "تاريخ الولادة", "العدد", "المجموع"]
ALI = "علي حسين كاظم الجبوري"
ZAINAB = "زينب علي حسين"


def refusal(data: bytes, limits: Limits | None = None) -> str:
    with pytest.raises(UnreadableList) as refused:
        read_table(data, "list.xlsx", limits or Limits())
    return str(refused.value.message)


# --- XLSX -----------------------------------------------------------------------------------


def xlsx(build) -> bytes:
    """An XLSX made by XlsxWriter; `build(workbook)` adds the sheets."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    build(workbook)
    workbook.close()
    return buffer.getvalue()


def transfer_list(workbook, first_row: int = 0) -> None:
    """An empty sheet, then a list whose headings are on sheet row `first_row` + 1, a blank
    row between its two people."""
    workbook.add_worksheet("فارغة")
    sheet = workbook.add_worksheet("قائمة")
    day = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(first_row, 0, HEADERS)
    # A direction mark and a double space, as names pasted from a PDF arrive.
    sheet.write_string(first_row + 1, 0, "\u200f" + ALI.replace(" ", "  ", 1))
    sheet.write_string(first_row + 1, 1, "فاطمة")
    sheet.write_datetime(first_row + 1, 2, datetime(1990, 3, 5), day)
    sheet.write_number(first_row + 1, 3, 12.0)
    sheet.write_formula(first_row + 1, 4, "=D2*2", None, 24)  # the cached value Excel saved
    sheet.write_string(first_row + 3, 0, ZAINAB)
    sheet.write_datetime(
        first_row + 3,
        2,
        datetime(2012, 7, 1, 14, 30),
        workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"}),
    )
    sheet.write_number(first_row + 3, 3, 3.5)


def test_xlsx_reads_cells_as_text_with_the_sheets_row_numbers():
    table = read_table(xlsx(transfer_list), "قائمة.xlsx")
    assert (table.kind, table.sheet, table.encoding) == ("xlsx", "قائمة", "")
    assert table.headers == HEADERS
    assert table.rows == [
        [ALI, "فاطمة", "1990-03-05", "12", "24"],
        [ZAINAB, "", "2012-07-01 14:30", "3.5", ""],
    ]
    assert table.row_numbers == [2, 4]
    assert table.sample(1) == [(2, table.rows[0])]


def test_rows_keep_their_numbers_when_the_headings_are_lower_down():
    table = read_table(xlsx(lambda workbook: transfer_list(workbook, first_row=2)), "l.xlsx")
    assert table.headers == HEADERS
    assert table.row_numbers == [4, 6]


def test_a_named_sheet_is_read_and_a_missing_one_refused():
    data = xlsx(transfer_list)
    assert read_table(data, "l.xlsx", sheet="قائمة").rows[0][0] == ALI
    with pytest.raises(UnreadableList, match="no sheet named"):
        read_table(data, "l.xlsx", sheet="Sheet9")
    with pytest.raises(UnreadableList, match="empty"):
        read_table(data, "l.xlsx", sheet="فارغة")


def test_the_kind_comes_from_the_content_not_the_name():
    assert read_table(xlsx(transfer_list), "list.csv").kind == "xlsx"
    assert read_table(b"a,b\n1,2\n", "list.xlsx").kind == "csv"


# --- ODS and XLS ----------------------------------------------------------------------------

ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content
 xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">
<office:body><office:spreadsheet><table:table table:name="قائمة">
<table:table-row>{headers}</table:table-row>
<table:table-row>
 <table:table-cell office:value-type="string"><text:p>{ali}</text:p></table:table-cell>
 <table:table-cell office:value-type="string"><text:p>فاطمة</text:p></table:table-cell>
 <table:table-cell office:value-type="date" office:date-value="1990-03-05"/>
 <table:table-cell office:value-type="float" office:value="12"/>
 <table:table-cell table:formula="of:=[.D2]*2" office:value-type="float" office:value="24"/>
</table:table-row>
<table:table-row table:number-rows-repeated="2">
 <table:table-cell table:number-columns-repeated="5"/>
</table:table-row>
<table:table-row>
 <table:table-cell office:value-type="string"><text:p>{zainab}</text:p></table:table-cell>
 <table:table-cell table:number-columns-repeated="2"/>
 <table:table-cell office:value-type="float" office:value="3.5"/>
</table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>
"""


ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">
<manifest:file-entry manifest:full-path="/"
 manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""


def ods(**members: bytes) -> bytes:
    """A minimal OpenDocument spreadsheet: `mimetype` first and stored, then content.xml."""
    cells = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>'
        for h in HEADERS
    )
    content = ODS_CONTENT.format(headers=cells, ali=ALI, zainab=ZAINAB)
    # calamine, like LibreOffice's own files, wants no whitespace between cells.
    content = re.sub(r">\s+<", "><", content)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        named = {
            "META-INF/manifest.xml": ODS_MANIFEST,
            "content.xml": content,
        }  # calamine needs both
        named.update({name.replace("__", "/"): data for name, data in members.items()})
        for name, data in named.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_ods_reads_like_xlsx():
    table = read_table(ods(), "قائمة.ods")
    assert (table.kind, table.sheet) == ("ods", "قائمة")
    assert table.headers == HEADERS
    assert table.rows == [[ALI, "فاطمة", "1990-03-05", "12", "24"], [ZAINAB, "", "", "3.5", ""]]
    assert table.row_numbers == [2, 5]


def test_ods_with_macros_or_a_password_is_refused():
    assert "macros" in refusal(ods(Basic__Standard__Module1_xml=b"<module/>"))
    manifest = b"<manifest:manifest><manifest:encryption-data/></manifest:manifest>"
    assert "password" in refusal(ods(**{"META-INF__manifest.xml": manifest}))


# Made once with xlwt 1.3.0 (not a dependency): a sheet "قائمة" with headings الاسم، الولادة،
# العدد; row 2: علي حسين, 1990-03-05 as a date cell, 12; row 3 blank; row 4: زينب, -, 3.5.
# zlib-compressed, base64.
XLS = zlib.decompress(
    base64.b64decode(
        "eNrtWE1IVFEU/u6bmTs/6DgzjYEGMgjNqBlDusmFMyWjhjCibSoJSnMWYYwxtKmgLJtlELQq2ggWtLHa9EMFtWsRGLUI"
        "gmCmlq2CghY6r3POvKnRDBwoQXnf4557fu5599z/d9+bxWBh7kFzEauQgAMl0wtdpVOUvBUhALKbJrOV3EPJtLGp4PXQ"
        "QGoXnta/dvMY8ngXYeC+8yVR4BOloziN4elsJrKB6JMYxhXH0EtU4RZp/GiSqEJCTwjdJvSelHwmdJ9orgrtpbIFNYbF"
        "5HDHXmsWHzZaxeYHv/eR+HwQzR404hXP4ovXVLmsC/tzJ8dPbTJDi7MO86ABHcxkMzmWG3AbPiCViqfT8SOEAsI02PP4"
        "bkaAb5VV/SJi6zdWr0D6Hyv17r/oPTSIq/XXDScwA/O4LJI8TfeEky0u1adjOqr7dbtewijNDFhJxXSKTN1kcpeFA6KI"
        "U0nL2kNCXHugekgY0hHspuJDekA7obqEadM+Pg1k9wis2D3qZVXVEZ1Eg/BBWVsBCn/p7te36YmR5DHRzMiJUT5XdnIz"
        "YOISe5CzXyzSEjqJgA7x2CX0srx1h/DNQsPULMqjI40WMzArZa6INUr1dAveJWNVfBvx+S+jj1vyn5PtxC8MFs+FF94n"
        "59BK59wk+fMzi07VqW7eYDxJVnJl7UEfhTb9sR95jIAVu2kdng1Y5hVICAotS9w76pdkWH3F3moNbyXe3B/PqX6OLoQ7"
        "Bnt1iTf7Odbwc4gf9+YFgyX2OE+zIWGE8JArpD3zN3ywYcOGDRs2bNiwsVWh5Lux/I3ttK4I/BXvtv7rLFMq2b9JtiwO"
        "YpqeM3Sp7EeW8hzO1jR/ttNFs/IutU6fyv9CxiGqPYcpTEgcUzXPX7qFqer2rNsx8O+WUK31l2qJ8z/X/xN/rNNt"
    )
)


def test_xls_reads_like_xlsx():
    table = read_table(XLS, "list.xls")
    assert (table.kind, table.sheet) == ("xls", "قائمة")
    assert table.headers == ["الاسم", "الولادة", "العدد"]
    assert table.rows == [["علي حسين", "1990-03-05", "12"], ["زينب", "", "3.5"]]
    assert table.row_numbers == [2, 4]


def test_an_xls_encrypted_with_a_password_is_refused():
    # FILEPASS right after the workbook's BOF is how Excel marks an encrypted XLS.
    bof = XLS.index(bytes.fromhex("0908100000060500"))
    encrypted = bytearray(XLS)
    encrypted[bof + 20 : bof + 22] = struct.pack("<H", 0x002F)
    assert "password" in refusal(bytes(encrypted))


# --- CSV ------------------------------------------------------------------------------------

CSV_ROWS = [HEADERS[:3], [ALI, "فاطمة", "05/03/1990"], ["", "", ""], [ZAINAB, "مريم", "2012"]]


def csv_text(delimiter: str = ",", line_end: str = "\r\n") -> str:
    return "".join(delimiter.join(row) + line_end for row in CSV_ROWS)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (csv_text().encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + csv_text(";").encode("utf-8"), "utf-8-sig"),
        (csv_text().encode("cp1256"), "windows-1256"),
        (csv_text("\t").encode("utf-16"), "utf-16"),  # Excel's "Unicode text": BOM, tabs
        (csv_text("\t").encode("utf-16-le"), "utf-16-le"),
    ],
)
def test_csv_in_each_encoding_reads_back_exactly(data, encoding):
    table = read_table(data, "list.csv")
    assert (table.kind, table.sheet, table.encoding) == ("csv", "", encoding)
    assert table.headers == HEADERS[:3]
    assert table.rows == [CSV_ROWS[1], CSV_ROWS[3]]
    assert table.row_numbers == [2, 4]


def test_csv_cells_are_cleaned_and_ragged_rows_padded():
    # A direction mark, a no-break space, a trailing comma, and DOS's end-of-file Ctrl-Z.
    data = 'الاسم,العمر\n"\u200f علي\u00a0 حسين ",30,\n\x1a'.encode()
    table = read_table(data, "list.csv")
    assert table.headers == ["الاسم", "العمر"]
    assert table.rows == [["علي حسين", "30"]]


# --- Refusals -------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_unread():
    assert "larger than 1 MB" in refusal(b"x" * (1024 * 1024 + 1), Limits(max_bytes=1024 * 1024))


def zip_with(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


XLSX_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def test_a_zip_bomb_is_refused_from_its_directory():
    bomb = zip_with({"[Content_Types].xml": b"", "xl/worksheets/sheet1.xml": bytes(30 * 2**20)})
    assert len(bomb) < 100_000
    assert "unpacks to far more" in refusal(bomb)
    assert "unpacks to far more" in refusal(bomb, Limits(max_ratio=10**6, max_unpacked=2**20))
    many = zip_with({f"m{n}": b"" for n in range(20)})
    assert "unpacks to far more" in refusal(many, Limits(max_entries=10))


def test_a_zip_whose_directory_understates_a_member_is_refused():
    honest = zip_with({"[Content_Types].xml": XLSX_TYPE, "sheet.xml": bytes(2**20)})
    info = zipfile.ZipFile(io.BytesIO(honest)).getinfo("sheet.xml")
    lying = bytearray(honest)
    # Uncompressed size: offset 22 in the local header, 24 in the central directory entry.
    struct.pack_into("<I", lying, info.header_offset + 22, 1000)
    central = lying.rindex(b"PK\x01\x02")
    struct.pack_into("<I", lying, central + 24, 1000)
    assert "unpacks to far more" in refusal(bytes(lying))


def with_member(data: bytes, name: str, content: bytes) -> bytes:
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def test_a_workbook_with_macros_is_refused():
    assert "without macros" in refusal(with_member(xlsx(transfer_list), "xl/vbaProject.bin", b""))
    xlsm = zip_with(
        {"[Content_Types].xml": b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"}
    )
    assert "without macros" in refusal(xlsm)


def ole2(*names: str) -> bytes:
    """A compound file (MS-CFB, version 3) whose directory holds a root and `names`, empty."""
    header = bytearray(512)
    header[:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 0x2C, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *[0xFFFFFFFF] * 108)
    fat = struct.pack("<128I", 0xFFFFFFFD, 0xFFFFFFFE, *[0xFFFFFFFF] * 126)
    directory = bytearray(512)
    for index, (name, kind) in enumerate([("Root Entry", 5), *((n, 2) for n in names)]):
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\0\0"
        entry[: len(encoded)] = encoded
        struct.pack_into("<HB", entry, 0x40, len(encoded), kind)
        struct.pack_into("<I", entry, 0x74, 0xFFFFFFFE)
        directory[index * 128 : (index + 1) * 128] = entry
    return bytes(header) + fat + bytes(directory)


def test_a_password_protected_xlsx_is_refused():
    # Excel saves an encrypted .xlsx as an OLE2 file holding these two streams.
    assert "password" in refusal(ole2("EncryptionInfo", "EncryptedPackage"))


def test_an_xls_with_vba_or_an_ole2_without_a_workbook_is_refused():
    assert "without macros" in refusal(ole2("Workbook", "_VBA_PROJECT_CUR"))
    assert "cannot read this file" in refusal(ole2("WordDocument"))  # a .doc


def test_an_empty_sheet_and_headings_alone_are_refused():
    assert "empty" in refusal(xlsx(lambda workbook: workbook.add_worksheet()))
    only_headers = xlsx(lambda workbook: workbook.add_worksheet().write_row(0, 0, HEADERS))
    assert "no people under them" in refusal(only_headers)
    assert "empty" in refusal(b"")
    assert "empty" in refusal(b",,\r\n\r\n")


def test_too_many_rows_are_refused():
    data = ("a,b\n" + "1,2\n" * 4).encode()
    assert "more than 3 rows" in refusal(data, Limits(max_rows=3))
    assert len(read_table(data, "l.csv", Limits(max_rows=4)).rows) == 4
    sheet = xlsx(lambda workbook: workbook.add_worksheet().write_column(0, 0, ["x"] * 6))
    assert "more than 3 rows" in refusal(sheet, Limits(max_rows=3))


def test_what_is_not_a_list_is_refused():
    noise = random.Random(7).randbytes(4096)
    assert "cannot read this file" in refusal(noise)
    assert "cannot read this file" in refusal(noise.replace(b"\0", b"a"))
    assert "cannot read this file" in refusal(b"%PDF-1.7\n" + noise)
    assert "cannot read this file" in refusal(zip_with({"word/document.xml": b"<w/>"}))
    assert "web page" in refusal(b"<html><table><tr><td>1</td></tr></table></html>")


# --- Dates ----------------------------------------------------------------------------------

TODAY = date(2025, 6, 1)
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("5/3/1990", date(1990, 3, 5), Precision.DAY),
        ("05-03-1990", date(1990, 3, 5), Precision.DAY),
        ("5.3.1990", date(1990, 3, 5), Precision.DAY),
        (" 5 / 3 / 1990 ", date(1990, 3, 5), Precision.DAY),
        ("1990-03-05", date(1990, 3, 5), Precision.DAY),
        ("1990-03-05 14:30", date(1990, 3, 5), Precision.DAY),
        ("٥/٣/١٩٩٠", date(1990, 3, 5), Precision.DAY),
        ("03/05/1990", date(1990, 5, 3), Precision.DAY),  # day first, always
        ("1990", date(1990, 1, 1), Precision.YEAR),
        ("١٩٩٠", date(1990, 1, 1), Precision.YEAR),
        ("3/1990", date(1990, 3, 1), Precision.MONTH),
        ("1990-03", date(1990, 3, 1), Precision.MONTH),
        ("32937", date(1990, 3, 5), Precision.DAY),
        ("2025", date(2025, 1, 1), Precision.YEAR),
    ],
)
def test_dates_as_written_in_iraq(text, value, precision):
    assert read_date(text, TODAY) == ReadDate(value, precision)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("31/2/1990", "no such day"),
        ("3/31/1990", "no such day"),
        ("13/1990", "no such day"),
        ("5/3/90", "year in full"),
        ("90", "year in full"),
        ("2/6/2025", "after today"),
        ("2026", "after today"),
        ("1/1/1899", "before 1900"),
        ("0000", "before 1900"),
        ("5 March 1990", "day first"),
        ("199", "day first"),
    ],
)
def test_dates_that_cannot_be_read_say_how_to_write_them(text, says):
    with pytest.raises(DateProblem, match=says):
        read_date(text, TODAY)


def test_empty_cells_have_no_date():
    assert read_date("", TODAY) is None
    assert read_date(" \u200f ", TODAY) is None


def test_serials_follow_excels_1900_system_and_its_leap_year_bug():
    assert from_serial(1) == date(1900, 1, 1)
    assert from_serial(59) == date(1900, 2, 28)
    assert from_serial(61) == date(1900, 3, 1)
    with pytest.raises(DateProblem, match="never existed"):
        from_serial(60)


days_since_1900 = st.dates(min_value=date(1900, 1, 1), max_value=date.today())


@settings(max_examples=150, deadline=None, derandomize=True)
@given(days_since_1900)
def test_any_day_written_day_first_reads_back(day):
    written = day.strftime("%d/%m/%Y")
    assert read_date(written) == ReadDate(day, Precision.DAY)
    assert read_date(written.translate(ARABIC_INDIC)) == ReadDate(day, Precision.DAY)


# Five-digit serials only: four digits are a year (see app.imports.dates).
@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.dates(min_value=date(1927, 5, 18), max_value=date.today()))
def test_any_day_as_a_spreadsheet_serial_reads_back(day):
    serial = (day - date(1899, 12, 30)).days
    assert read_date(str(serial)) == ReadDate(day, Precision.DAY)


dateish = st.from_regex(r"\A[0-9٠-٩]{0,6}([/.\-\s][0-9٠-٩]{0,6}){0,3}( [0-9:.T]{0,9})?\Z")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.one_of(st.text(), dateish))
def test_any_text_either_reads_or_raises_date_problem(text):
    try:
        read = read_date(text)
    except DateProblem as problem:
        assert str(problem.message)
    else:
        assert read is None or date(1900, 1, 1) <= read.value <= date.today()

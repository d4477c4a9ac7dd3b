"""Reading imports (UTF-8/GB18030 CSV and xlsx) and writing exports."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from mediadesk.core import excel

CSV_TEXT = "账号名称,平台,粉丝数\n锦程置业,抖音,12000\n锦程·曲江府,小红书,800\n"


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def xlsx(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_it_reads_utf8_csv_with_a_bom() -> None:
    table = excel.read_table(upload("账号.csv", ("\ufeff" + CSV_TEXT).encode("utf-8")))
    assert table.headers == ["账号名称", "平台", "粉丝数"]
    assert table.rows == [
        {"账号名称": "锦程置业", "平台": "抖音", "粉丝数": "12000"},
        {"账号名称": "锦程·曲江府", "平台": "小红书", "粉丝数": "800"},
    ]


def test_it_reads_gb18030_csv_as_saved_by_chinese_excel() -> None:
    table = excel.read_table(upload("账号.csv", CSV_TEXT.encode("gb18030")))
    assert table.headers[0] == "账号名称"
    assert table.rows[1]["账号名称"] == "锦程·曲江府"


def test_it_reads_the_first_sheet_of_an_xlsx() -> None:
    data = xlsx(
        [
            ["账号名称", "粉丝数", "手机"],
            ["锦程置业", 12000, 13800000001.0],
            [None, None, None],
            ["云境", 5, None],
        ]
    )
    table = excel.read_table(upload("账号.xlsx", data))
    assert table.headers == ["账号名称", "粉丝数", "手机"]
    assert table.rows[0] == {"账号名称": "锦程置业", "粉丝数": "12000", "手机": "13800000001"}
    assert table.rows[1] == {}  # a blank row keeps its place so row numbers stay right
    assert table.rows[2]["账号名称"] == "云境"
    assert table.first_row == 2


def test_it_recognises_xlsx_by_content_whatever_the_name() -> None:
    table = excel.read_table(upload("export", xlsx([["名称"], ["甲"]])))
    assert table.rows == [{"名称": "甲"}]


def test_an_export_reads_back_as_the_same_table() -> None:
    data = excel.workbook(["名称", "数量"], [["甲", 1], ["乙", 2]])
    table = excel.read_table(upload("导出.xlsx", data))
    assert table.rows == [{"名称": "甲", "数量": "1"}, {"名称": "乙", "数量": "2"}]
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.bold


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(ValidationError, match="文件是空的"):
        excel.read_table(upload("空.csv", b""))
    with pytest.raises(ValidationError, match="文件是空的"):
        excel.read_table(upload("空.csv", b"\n\n,,\n"))


class Unreadable(SimpleUploadedFile):
    def read(self, *args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("a too-big file must be refused before it is read")


def test_a_too_big_file_is_refused_before_reading(settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    big = Unreadable("大.csv", b"x")
    big.size = 1024 * 1024 + 1
    with pytest.raises(ValidationError) as exc:
        excel.read_table(big)
    assert "文件过大" in exc.value.messages[0]
    assert "1 MB" in exc.value.messages[0]


def test_other_file_types_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"只支持 \.xlsx 或 \.csv"):
        excel.read_table(upload("账号.pdf", b"%PDF-1.7 ..."))


def test_a_broken_xlsx_gets_a_clear_message() -> None:
    with pytest.raises(ValidationError, match="无法读取 Excel 文件"):
        excel.read_table(upload("坏.xlsx", b"PK\x03\x04 not really a zip"))


def test_undecodable_csv_gets_a_clear_message() -> None:
    with pytest.raises(ValidationError, match="编码"):
        excel.read_table(upload("坏.csv", b"\x80\x81\xff\xfe\x00"))


def test_too_many_rows_are_refused() -> None:
    data = ("名称\n" + "".join(f"行{i}\n" for i in range(6))).encode()
    with pytest.raises(ValidationError, match="最多导入 5 行"):
        excel.read_table(upload("多.csv", data), max_rows=5)


def test_missing_headers_are_listed() -> None:
    table = excel.read_table(upload("a.csv", "账号名称,平台\n甲,抖音\n".encode()))
    assert excel.missing_headers(table, ["账号名称", "平台", "层级"]) == ["层级"]


# --- finding 2: spreadsheet formula injection (OWASP CSV injection) ----------------------------


@pytest.mark.parametrize(
    "hostile", ['=HYPERLINK("http://x/","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_export_writes_user_text_as_text_never_as_a_formula(hostile: str) -> None:
    data = excel.workbook(["姓名"], [[hostile]])
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    cell = ws["A2"]
    assert cell.data_type == "s"
    assert str(cell.value).startswith("'")  # XML turns a CR into LF; the guard is what counts
    assert str(cell.value)[1:].strip() == hostile.strip()


def test_export_keeps_numbers_and_plain_text() -> None:
    data = excel.workbook(["a", "b", "c"], [[-5, "张三", "13800000008"]])
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    assert [c.value for c in ws[2]] == [-5, "张三", "13800000008"]


# --- finding 1: zip bombs and huge files are refused while reading, never held whole ---------


def test_rows_past_the_cap_are_refused_while_reading_an_xlsx() -> None:
    data = xlsx([["账号名称"]] + [[f"号{i}"] for i in range(50)])
    with pytest.raises(ValidationError, match="行数过多"):
        excel.read_table(upload("a.xlsx", data), max_rows=10)


def test_an_over_long_cell_is_refused() -> None:
    data = xlsx([["账号名称"], ["长" * (excel.MAX_CELL_CHARS + 1)]])
    with pytest.raises(ValidationError, match="单元格"):
        excel.read_table(upload("a.xlsx", data))


def test_too_many_columns_are_refused() -> None:
    csv_data = ",".join(f"c{i}" for i in range(excel.MAX_COLUMNS + 1)).encode()
    with pytest.raises(ValidationError, match="列数过多"):
        excel.read_table(upload("a.csv", csv_data))


def test_an_xlsx_that_unpacks_past_the_limit_is_refused(settings: Any) -> None:
    settings.IMPORT_MAX_UNPACKED_BYTES = 2_000
    data = xlsx([["账号名称"]] + [["x" * 100] for _ in range(100)])
    with pytest.raises(ValidationError, match="解压"):
        excel.read_table(upload("a.xlsx", data))


def test_a_csv_of_newlines_is_refused_without_holding_it_in_memory() -> None:
    import tracemalloc

    data = b"a\n" + b"\n" * 3_000_000
    tracemalloc.start()
    with pytest.raises(ValidationError):
        excel.read_table(upload("a.csv", data), max_rows=1000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 40 * 1024 * 1024, peak  # the file's text once, not a list per line

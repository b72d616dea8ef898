"""Third-party ratings import: one bad row refuses the whole file, naming row and column;
nothing is saved. A good file imports every row; the preview saves nothing."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from dealercare.surveys.errors import ImportRejected
from dealercare.surveys.models import ThirdPartyRating
from dealercare.surveys.services import ratings_import, ratings_parse

HEADER = ["date", "platform", "store", "rating", "text", "plate"]
GOOD = [
    ["2026-10-03", "汽车之家", "BJ01", "4.5", "服务顾问很专业", "京A12345"],
    ["2026-10-04", "dongchedi", "BJ01", "3", "等待时间长", ""],
    ["2026-10-05", "大众点评", "BJ01", "5", "环境不错"],
]


def csv_bytes(rows) -> bytes:
    lines = [",".join(HEADER)] + [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def xlsx_bytes(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def problems(excinfo) -> list[tuple[int, str]]:
    return [(p["row"], p["column"]) for p in excinfo.value.rows]


def test_a_good_csv_imports_every_row(store_a, manager_a):
    assert ratings_import(content=csv_bytes(GOOD), filename="ratings.csv", actor=manager_a) == 3
    saved = list(ThirdPartyRating.objects.order_by("rated_on"))
    assert [(r.platform, r.rating, r.store_id) for r in saved] == [
        ("autohome", Decimal("4.5"), store_a.pk),
        ("dongchedi", Decimal("3.0"), store_a.pk),
        ("dianping", Decimal("5.0"), store_a.pk),
    ]
    assert saved[0].plate == "京A12345" and saved[0].imported_by == manager_a


def test_one_bad_csv_row_refuses_the_file(store_a, store_b, manager_a):
    rows = [*GOOD[:2], ["2026-10-06", "汽车之家", "BJ01", "6", "太贵"], GOOD[2]]
    with pytest.raises(ImportRejected) as excinfo:
        ratings_import(content=csv_bytes(rows), filename="ratings.csv", actor=manager_a)
    assert problems(excinfo) == [(4, "rating")]  # the header is row 1
    assert "第 4 行“rating”列" in excinfo.value.message_zh
    assert "Row 4, column 'rating'" in excinfo.value.message_en
    assert not ThirdPartyRating.objects.exists()

    # Another store's code (not visible to a store A manager), a bad date, an unknown platform.
    rows = [
        GOOD[0],
        ["2026-10-06", "汽车之家", "SH01", "4", ""],
        ["06/10/2026", "微博", "BJ01", "4", ""],
    ]
    with pytest.raises(ImportRejected) as excinfo:
        ratings_import(content=csv_bytes(rows), filename="ratings.csv", actor=manager_a)
    assert problems(excinfo) == [(3, "store"), (4, "date"), (4, "platform")]
    assert not ThirdPartyRating.objects.exists()


def test_xlsx_good_and_bad(store_a, manager_a):
    rows = [
        [dt.datetime(2026, 10, 3), "汽车之家", "BJ01", 4.5, "好", "京A12345"],
        [dt.datetime(2026, 10, 4), "懂车帝", "BJ01", 4, "", None],
    ]
    assert ratings_import(content=xlsx_bytes(rows), filename="评价.xlsx", actor=manager_a) == 2
    assert ThirdPartyRating.objects.filter(platform="dongchedi", rating=4).count() == 1

    bad = [*rows, [dt.datetime(2026, 10, 5), "汽车之家", "BJ01", "五星", "", None]]
    with pytest.raises(ImportRejected) as excinfo:
        ratings_import(content=xlsx_bytes(bad), filename="评价.XLSX", actor=manager_a)
    assert problems(excinfo) == [(4, "rating")]
    assert ThirdPartyRating.objects.count() == 2  # only the first file's rows


def test_preview_saves_nothing(store_a, manager_a):
    preview = ratings_parse(csv_bytes(GOOD), "ratings.csv", actor=manager_a)
    assert len(preview) == 3 and all(rating.pk is None for rating in preview)
    assert not ThirdPartyRating.objects.exists()


def test_unreadable_or_empty_files_are_refused(store_a, manager_a):
    for content, name in [
        (b"not a workbook", "x.xlsx"),
        ("日期,平台\n".encode("gbk"), "x.csv"),
        (csv_bytes([]), "x.csv"),
    ]:
        with pytest.raises(ImportRejected):
            ratings_import(content=content, filename=name, actor=manager_a)
    assert not ThirdPartyRating.objects.exists()

"""Reading task lines out of a notice: the organisations, the Vietnamese dates, the product —
and the cases where it must not guess."""

from __future__ import annotations

from datetime import date

import pytest

from ecabinet.tasks.parsing import parse, read_deadline, read_product, split_lines

TODAY = date(2027, 3, 1)
DIRECTORY = [(1, "Bộ Tài chính"), (2, "Bộ Tư pháp"), (3, "Bộ Kế hoạch và Đầu tư"),
             (4, "Bộ Kế hoạch"), (5, "Văn phòng Chính phủ"), (6, "Ngân hàng Nhà nước Việt Nam")]


@pytest.mark.parametrize("text, expected", [
    ("trình Chính phủ trước ngày 30 tháng 6 năm 2027", date(2027, 6, 30)),
    ("hoàn thành trước ngày 30/6/2027", date(2027, 6, 30)),
    ("chậm nhất ngày 05-04-2027", date(2027, 4, 5)),
    ("hạn 30.9.2027", date(2027, 9, 30)),
    ("báo cáo Thủ tướng Chính phủ trong tháng 5 năm 2027", date(2027, 5, 31)),
    ("trong tháng 2/2028", date(2028, 2, 29)),  # a leap year's February
    ("trong quý II năm 2027", date(2027, 6, 30)),
    ("trong quý IV năm 2027", date(2027, 12, 31)),
    ("trong năm 2027", date(2027, 12, 31)),
    # a date naming a document earlier in the line is not the deadline
    ("theo Nghị quyết số 01/NQ-CP ngày 5 tháng 1 năm 2027, trình Chính phủ trước ngày "
     "15 tháng 7 năm 2027", date(2027, 7, 15)),
    ("  trước   ngày  30  tháng  6  năm  2027 ", date(2027, 6, 30)),
])
def test_dates_are_read(text, expected):
    deadline, ongoing, words, problems = read_deadline(text, TODAY)
    assert (deadline, ongoing, problems) == (expected, False, [])
    assert words


@pytest.mark.parametrize("text, problem", [
    ("trước ngày 31 tháng 6 năm 2027", "invalid_date"),  # June has 30 days
    ("trước ngày 30/13/2027", "invalid_date"),
    ("trước ngày 29 tháng 2 năm 2027", "invalid_date"),  # not a leap year
    ("trước ngày 30 tháng 6", "year_missing"),  # which year? not guessed
    ("trong tháng 6", "year_missing"),
    ("trước ngày 15 tháng 1 năm 2027", "date_past"),  # before today (1 March 2027)
    ("khẩn trương hoàn thiện hồ sơ", "deadline_missing"),
])
def test_a_doubtful_date_is_not_guessed(text, problem):
    deadline, _ongoing, _words, problems = read_deadline(text, TODAY)
    assert deadline is None and problems == [problem]


def test_ongoing():
    assert read_deadline("Bộ Tài chính thường xuyên theo dõi, đôn đốc", TODAY)[:2] == (None, True)


def test_lead_coordinators_and_the_longest_name():
    [line] = parse("1. Giao Bộ Kế hoạch và Đầu tư chủ trì, phối hợp với Bộ Tài chính và "
                   "Bộ Tư pháp hoàn thiện Đề án, trình Chính phủ trước ngày 30 tháng 6 năm "
                   "2027.", DIRECTORY, TODAY)
    assert line.lead_id == 3  # not "Bộ Kế hoạch" (4), a shorter name inside it
    assert line.coordinator_ids == [1, 2]
    assert line.deadline == date(2027, 6, 30) and line.problems == []


def test_the_lead_is_the_one_named_before_chu_tri():
    [line] = parse("- Trên cơ sở ý kiến của Bộ Tư pháp, Bộ Tài chính chủ trì sửa đổi Thông "
                   "tư, hoàn thành trong quý III năm 2027", DIRECTORY, TODAY)
    assert (line.lead_id, line.coordinator_ids) == (1, [])


def test_names_match_whatever_the_case_and_unicode_form():
    import unicodedata

    text = unicodedata.normalize("NFD", "2. NGÂN HÀNG NHÀ NƯỚC VIỆT NAM báo cáo Thủ tướng "
                                        "Chính phủ trong tháng 4 năm 2027")
    [line] = parse(text, DIRECTORY, TODAY)
    assert line.lead_id == 6 and line.deadline == date(2027, 4, 30)


def test_lines_without_an_organisation_are_not_tasks_unless_they_assign():
    text = ("Thông báo kết luận của Thủ tướng Chính phủ\n"
            "Văn phòng Chính phủ thông báo kết luận như sau:\n"
            "Chính phủ đánh giá cao sự chuẩn bị.\n"
            "1. Bộ Tài chính chủ trì xây dựng Nghị định, trình Chính phủ trước ngày 30/6/2027\n"
            "   (tiếp nối của dòng trên).\n"
            "2. Giao Bộ Xây dựng chủ trì rà soát, thường xuyên báo cáo.")
    lines = parse(text, DIRECTORY, TODAY)
    assert [line.lead_id for line in lines] == [1, None]
    assert lines[0].title.endswith("(tiếp nối của dòng trên)")
    assert lines[1].problems == ["organisation_unknown"] and lines[1].ongoing


def test_split_lines_joins_continuations():
    assert split_lines("1. Một\nhai\n2) Ba\n- Bốn") == ["1. Một hai", "2) Ba", "- Bốn"]


@pytest.mark.parametrize("text, product", [
    ("Bộ Tài chính hoàn thiện dự thảo Nghị định về thuế, trình Chính phủ trước ngày 30/6/2027",
     "Dự thảo Nghị định về thuế (trình Chính phủ)"),
    ("Bộ Tư pháp báo cáo Thủ tướng Chính phủ trong tháng 5 năm 2027",
     "Báo cáo Thủ tướng Chính phủ"),
    ("Bộ Tài chính xây dựng Đề án phát triển thị trường vốn trong quý II năm 2027",
     "Đề án phát triển thị trường vốn"),
    ("Bộ Tài chính theo dõi", None),
    # the ministry's name is not a plan ("kế hoạch")
    ("Giao Bộ Tài chính chủ trì, phối hợp với Bộ Kế hoạch và Đầu tư hoàn thiện dự thảo Nghị "
     "định X, trình Chính phủ", "Dự thảo Nghị định X (trình Chính phủ)"),
    ("Bộ Kế hoạch và Đầu tư thường xuyên theo dõi, đôn đốc giải ngân", None),
])
def test_the_product(text, product):
    assert read_product(text) == product

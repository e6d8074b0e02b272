"""What a question asks for is read in the language it is written in, not from names in it."""

import pytest

from rag.question import parse_question
from rag.support import requirements


@pytest.mark.parametrize("text, kind", [
    ("Ai là Giám đốc Công an TP Hải Phòng?", "person"),
    ("giam doc cong an ha noi la ai", "person"),
    ("Who leads Hai Phong police?", "person"),
    ("WHO LEADS HAI PHONG POLICE?", "person"),
    ("Bao nhiêu người bị bắt?", "number"),
    ("When did the WHO declare the pandemic?", "date"),
    # Names and acronyms that spell a question word ask for nothing of the kind.
    ("WHO khuyến cáo gì về bệnh cúm?", None),
    ("What is AI used for in hospitals?", None),
    ("Ứng dụng AI trong bệnh viện là gì?", None),
    ("Doctor Who là loại phim gì?", None),
    ("Syria và Ai Cập tấn công Israel khi nào?", "date"),
    ("Who plays Doctor Who?", "person"),
    # "mấy" asks how many as written; folded it is also "máy" (machine).
    ("Hội nghị bàn về mấy nội dung?", "number"),
    ("Máy bay cất cánh lúc mấy giờ?", "date"),  # a time of day, not a count
    ("Nhà máy xử lý rác ở đâu?", "place"),
    ("What rank does Hanoi police director Nguyen Hai Trung hold?", "rank"),
    ("Giám đốc Công an tỉnh mang quân hàm gì?", "rank"),
    ("What ranking does the airport hold?", None),
    # A person asked by what they are; a group is no one person.
    ("Which Vice Chairman of the People's Committee spoke?", "person"),
    ("Bộ trưởng nào dự hội nghị?", "person"),
    ("Which scientists studied the virus?", None),
    ("Nhóm người nào biểu tình?", None),
    ("Lực lượng cơ động thuộc đơn vị nào?", "which"),  # "đơn vị nào" (which unit), not "vị nào" (person)
    ("Bộ trưởng đến thăm tỉnh vào tháng mấy?", "date"),
    ("In which month did the minister visit the province?", "date"),
    ("What was the vaccination rate in the province last year?", "number"),
    ("Những loại đường hầm nào được xây dựng?", "which"),
    # "X nào": a named thing of kind X; not "như thế nào" (how), "bằng cách nào" (by what means).
    ("Học sinh được đưa đến bệnh viện nào?", "which"),
    ("Công ty nào sản xuất lô thuốc?", "which"),
    ("Tesla kiếm tiền như thế nào?", None),
    ("Công an xử lý vụ việc bằng cách nào?", None),
    ("Which hospital treated the students?", "which"),  # English: the noun as the articles write it
    ("Which city steering committee does the vice chairman lead?", None),  # "city" heads no phrase
    # How long something lasts; not a length.
    ("Ca ghép tim kéo dài bao lâu?", "duration"),
    ("How long did the heart transplant last?", "duration"),
    ("How long is the Amazon river?", None),
    ("cap bac cua giam doc cong an ha noi la gi", "rank"),
    # "hôm nào" is "which day"; "tên là gì" after a person's title asks their name.
    ("Bé gái thứ hai mất vào hôm nào?", "date"),
    ("Cục trưởng Cục Y tế dự phòng tên là gì?", "person"),
    ("Loại virus này tên là gì?", None),
    # … as it does after a child or a patient; "thời điểm nào" (at what moment) asks when.
    ("Cháu bé được ghép gan tên là gì?", "person"),
    # "Which doctor" asks a person; "What share of" a rate.
    ("Which doctor heads the pediatrics department?", "person"),
    ("Which police officer is leading the investigation?", "person"),
    ("Anh tài xế bị đột quỵ tên gì?", "person"),
    ("What share of people in the district have health insurance?", "number"),
    ("Bệnh nhân qua đời vào thời điểm nào?", "date"),
])
def test_the_question_word_decides_the_kind(text: str, kind: str | None) -> None:
    assert parse_question(text).kind == kind


@pytest.mark.parametrize("text, noun", [
    ("Học sinh được đưa đến bệnh viện nào?", ("benh", "vien")),
    ("Mẫu thuốc được lấy ở tỉnh nào?", ("tinh",)),  # not "ở"
    ("Broncos đã đánh bại đội nào?", ("bai", "doi")),  # the span finder falls back to "đội", then "bại"
    ("Đảng nào thắng cử ở thủ đô?", ("dang",)),
    ("At which hospital do children with flu share beds?", ("benh", "vien")),  # in the articles' words
    ("Which drug are the patients treated with?", ("thuoc",)),  # "đảng" (party) is no "đang" (-ing), though both fold to "dang"
])
def test_what_a_which_question_names_the_answer_by(text: str, noun: tuple[str, ...]) -> None:
    assert parse_question(text).which_noun == noun


def test_the_question_word_is_found_after_the_words_before_it() -> None:
    question = parse_question("Quy hoạch tầm nhìn đến năm nào?")
    assert question.kind == "date"
    assert question.folded[question.asked_at:question.asked_at + 2] == ["nam", "nao"]


@pytest.mark.parametrize("text, counted", [
    ("Công an bắt bao nhiêu đối tượng?", ("doi", "tuong")),
    ("Hội nghị bàn về mấy nội dung?", ("noi", "dung")),
    ("Nhà máy có bao nhiêu công nhân?", ("cong", "nhan")),
    ("Công ty có mấy nhà máy?", ("nha", "may")),
    ("Ai là giám đốc nhà máy?", None),
    ("Bộ trưởng đến thăm tỉnh vào tháng mấy?", None),
])
def test_what_a_count_question_counts(text: str, counted: tuple[str, ...] | None) -> None:
    found = parse_question(text).counted
    assert (found[:2] if found is not None else None) == counted


def test_a_place_in_an_order_is_no_count_of_what_follows() -> None:
    # "trên" is no unit the quote must count: the question was refused.
    question = parse_question("Ngành dệt may của tỉnh được xếp hạng mấy trên cả nước?")
    assert question.kind == "number" and question.ordinal
    needs = requirements(question, (), (), lambda term: frozenset())
    assert needs.count_unit == ""
    assert not parse_question("Hội nghị bàn về mấy nội dung?").ordinal

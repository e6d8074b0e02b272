"""A title asked for its holder, typed as a search or with "tên gì", on a real index of one
hospital article written for this test (not taken from any evaluation set)."""

import pytest
from conftest import assistant_over

from rag.question import parse_question

HOSPITAL = {"id": "quang-tri", "title": "Cứu sống cụ ông 70 tuổi hôn mê", "date": "2025-05-15",
            "text": "Ngày 14/5, BS.CKII Trần Văn Lực, Phó Giám đốc Bệnh viện Đa khoa tỉnh Quảng Trị, cho biết "
                    "bệnh nhân là ông Lê Văn Sáu (70 tuổi, trú huyện Hải Lăng). Ông Sáu nhập viện trong tình trạng "
                    "hôn mê sâu. BS.CKI Hồ Thị Mai, Trưởng khoa Nhi, cho biết khoa đang điều trị 40 trẻ mắc tay "
                    "chân miệng. Bệnh viện vừa đưa khu điều trị mới vào sử dụng, vượt tiến độ 3 tháng, tiết kiệm "
                    "khoảng 12 tỷ đồng so với dự toán."}


@pytest.fixture(scope="module")
def hospital_assistant(tmp_path_factory, base_settings, embedder):
    return assistant_over([HOSPITAL], tmp_path_factory.mktemp("titles"), base_settings)


@pytest.mark.parametrize("question,kind", [
    ("Phó Giám đốc Công an tỉnh Lâm Đồng", "person"),
    ("Cục trưởng Cục Quản lý Dược", "person"),
    ("truong khoa hoi suc benh vien cho ray", "person"),
    ("Phó Giám đốc Bệnh viện Bạch Mai tên gì", "person"),
    ("Giám đốc Sở Y tế nói gì về dịch sởi?", None),     # asks what was said
    ("Giám đốc bệnh viện nào phát hiện ca bệnh?", "which"),
    ("Giám đốc Sở Y tế cho biết bao nhiêu ca mắc?", "number"),
])
def test_a_title_typed_as_a_search_asks_its_holder(question, kind):
    assert parse_question(question).kind == kind


@pytest.mark.parametrize("question", ["Phó Giám đốc Bệnh viện Đa khoa tỉnh Quảng Trị",
                                      "Phó Giám đốc Bệnh viện Đa khoa tỉnh Quảng Trị tên gì"])
def test_the_title_holder_is_the_answer_not_the_next_name(hospital_assistant, question):
    """The post after Trần Văn Lực is his, not the patient's named next in the same sentence."""
    answer = hospital_assistant.ask(question)
    assert not answer.abstained and answer.short is not None, answer.answer
    assert answer.short.value == "Trần Văn Lực", answer.answer


def test_a_department_before_a_hospital_is_no_unknown_name(hospital_assistant):
    """"Trưởng khoa Nhi Bệnh viện …": "Nhi Bệnh" is no name the articles lack ("Bệnh" begins the
    common word "bệnh viện"); the question was refused as about someone unknown."""
    answer = hospital_assistant.ask("Ai là Trưởng khoa Nhi Bệnh viện Đa khoa tỉnh Quảng Trị?")
    assert not answer.abstained and answer.short is not None, answer.answer
    assert answer.short.value == "Hồ Thị Mai"


def test_money_asked_in_english_is_an_amount_in_a_currency(hospital_assistant):
    """"vượt tiến độ 3 tháng": "độ" is no "đô" (dollars); the amount is shown with its currency."""
    answer = hospital_assistant.ask("How much money did the hospital save on the new treatment area?")
    assert answer.short is not None, answer.answer
    assert answer.short.value.startswith("12 tỷ")
    assert "12 billion dong" in answer.short.text

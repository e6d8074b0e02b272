"""Vietnamese posts shown to an English reader (rag/posts.py)."""

import pytest

from rag.posts import english_post


@pytest.mark.parametrize("post,english", [
    ("Giám đốc Công an TP Hà Nội", "Director of Hà Nội Police"),
    ("Phó Chủ tịch UBND TP.Hải Phòng", "Vice Chairman of the Hải Phòng People's Committee"),
    ("Ủy viên Bộ Chính trị, Bí thư Đảng ủy Công an Trung ương, Bộ trưởng Bộ Công an",
     "Member of the Politburo, Secretary of the Central Public Security Party Committee, Minister of Public Security"),
    ("Phó Giám đốc Sở Y tế tỉnh Nghệ An", "Deputy Director of the Nghệ An Department of Health"),
    ("nguyên Giám đốc Bệnh viện Bạch Mai", "former Director of Bạch Mai Hospital"),
    # A minister's body is a ministry; anyone else's "Công an" needs a place to be put into English.
    ("Bộ trưởng Công an", "Minister of Public Security"),
    ("Giám đốc Công an", "Giám đốc Công an"),
    # What is not a known title and body stays as written, item by item.
    ("Phó Bí thư Thành ủy, Chủ tịch HĐND TP Hà Nội", "Phó Bí thư Thành ủy, Chairman of the Hà Nội People's Council"),
    ("Trưởng khoa Nhi Bệnh viện Bạch Mai", "Trưởng khoa Nhi Bệnh viện Bạch Mai"),
    ("Giám đốc Công an tỉnh lạng", "Giám đốc Công an tỉnh lạng"),  # no capitalised place
])
def test_english_post(post, english):
    assert english_post(post) == english

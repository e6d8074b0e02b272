"""Span selection for short answers on sentences written for this test (none is from the
evaluation sets): foreign names, counts, dates, places, and what an English reader is shown."""

import pytest

from rag.question import parse_question
from rag.short_answer import Span, find_span, question_terms
from rag.short_answer_text import english_duration, english_number, short_answer
from rag.support import requirements


class _Everything:
    """A vocabulary holding every word: no name in the question is unknown."""

    def __contains__(self, item: object) -> bool:
        return True


def span_of(question: str, sentence: str, context: tuple[str, ...] = ()) -> str | None:
    found = _found(question, sentence, context)
    return found.value if found else None


def _found(question: str, sentence: str, context: tuple[str, ...] = ()):
    parsed = parse_question(question)
    needs = requirements(parsed, _Everything(), _Everything(), lambda term: frozenset({"doc"}))
    return find_span(sentence, parsed, needs, question_terms(parsed, {}), context)


@pytest.mark.parametrize("question,sentence,value", [
    # A foreign name keeps its initial and its particles.
    ("Ai được bầu làm chủ tịch hội đồng?",
     "Hội đồng đã bầu bà Maria T. Fernández de la Vega làm chủ tịch vào năm ngoái.", "Maria T. Fernández de la Vega"),
    ("Ai giữ chức thị trưởng thành phố?",
     "Ông Omar al-Rashid giữ chức thị trưởng thành phố từ năm 2019.", "Omar al-Rashid"),
    # The sentence's first word is capitalised anyway: "Việc" is no part of the name.
    ("Ai rời câu lạc bộ vào mùa hè?", "Việc Okafor rời câu lạc bộ vào mùa hè khiến người hâm mộ bất ngờ.", "Okafor"),
    # "năm" is five before the unit asked; a bracketed aside stands between a count and its unit.
    ("Đội tuyển giành được bao nhiêu huy chương vàng?",
     "Tại giải đấu năm nay, đội tuyển giành được năm huy chương vàng và ba huy chương bạc.", "năm"),
    ("Có bao nhiêu hộ dân được cấp nước sạch?",
     "Trong xã, 1.250 (khoảng 40%) hộ dân đã được cấp nước sạch.", "1.250"),
    # An English question for a percentage; a range stays one number.
    ("What percentage is the lending rate?", "Lãi suất cho vay hiện dao động 8-10% mỗi năm.", "8-10%"),
    # "phần trăm" is per cent, not a hundred; a clock time is one number.
    ("Bao nhiêu phần trăm học sinh đạt điểm giỏi?", "Năm nay, 12 phần trăm học sinh của trường đạt điểm giỏi.",
     "12 phần trăm"),
    ("How much time was left when the home team scored?", "Đội chủ nhà ghi bàn khi trận đấu chỉ còn 2:45.", "2:45"),
    # A rate is a percentage even when "bao nhiêu" names no unit.
    ("Tỷ lệ tiêm chủng của trẻ em trong tỉnh là bao nhiêu?",
     "Đạt 96,5% kế hoạch năm, tỉnh đã tiêm chủng đầy đủ cho 12.400 trẻ em trong tỉnh.", "96,5%"),
    # "Khi nào?" is answered by the time as written ("năm 1998"); "năm nào?" by the year alone.
    ("Khi nào nhà máy nước được xây dựng?", "Nhà máy nước được xây dựng vào năm 1998 bằng vốn của tỉnh.", "năm 1998"),
    ("Nhà máy nước được xây dựng vào năm nào?", "Nhà máy nước được xây dựng vào năm 1998 bằng vốn của tỉnh.", "1998"),
    # A month alone answers "when".
    ("Khi nào cây cầu được khánh thành?", "Cây cầu dự kiến được khánh thành vào tháng 9 sau hai năm thi công.", "tháng 9"),
    # An address is given whole, from its first administrative word ("thôn", "quận") on.
    ("Kho hàng nằm ở đâu?", "Đoàn kiểm tra một nhà kho tại thôn Hạ Lũng, xã Đông Hải, huyện An Dương. Kho được thuê.",
     "thôn Hạ Lũng, xã Đông Hải, huyện An Dương"),
    ("Nghi phạm sống ở đâu?", "Kho do Trần Văn Hải (41 tuổi, trú tại quận Cầu Giấy, Hà Nội) thuê từ tháng 5.",
     "quận Cầu Giấy, Hà Nội"),
    # A place name runs on over lower-case words to its last capitalised one.
    ("Lễ trao giải diễn ra ở đâu?", "Lễ trao giải diễn ra tại Nhà hát lớn Hà Nội vào tối thứ bảy.", "Nhà hát lớn Hà Nội"),
])
def test_span_read_from_the_sentence(question, sentence, value):
    assert span_of(question, sentence) == value


@pytest.mark.parametrize("question,sentence,value", [
    ("Ai được trao giải năm đó?", "Giải Nobel Kinh tế năm đó được trao cho nhà kinh tế học Milton Friedman.",
     "Milton Friedman"),
    ("Who built the old city wall?", "Đường Westgate chạy dọc theo bức tường do Hadrian cho xây dựng.", "Hadrian"),
    # Hà is a surname, but "TP Hà Giang" is a city, however near the question's year it stands.
    ("Who was the Minister of Health in 2024?",
     "Tại hội nghị, Bộ trưởng Bộ Y tế Trần Văn Hùng chúc mừng những kết quả mà nhân dân TP Hà Giang đạt được "
     "trong năm 2024.", "Trần Văn Hùng"),
    # A given name and surname is more likely the person than a one-word team or city name.
    ("Who caught the last pass?", "Trận đấu kết thúc khi Denver ghi điểm nhờ đường chuyền cuối cùng tới Marcus Bell.",
     "Marcus Bell"),
    # "Y Dược TP" (of "Đại học Y Dược TP.HCM") is no foreign name for its abbreviation; "là lãnh
    # đạo" asks for one of the leaders (a deputy too), "ai lãnh đạo" for the head.
    ("Ai công bố kết quả nghiên cứu về cúm?",
     "Nhóm nghiên cứu của Đại học Y Dược TP.HCM công bố kết quả về cúm mùa.", None),
    ("Ai là lãnh đạo Sở Y tế được nhắc đến?",
     "Bà Lê Thị Thanh Hà, Phó giám đốc Sở Y tế, cho biết bệnh viện đã tăng thêm giường bệnh.", "Lê Thị Thanh Hà"),
    # Surnames of the ethnic minorities lead names too.
    ("Ai được đưa vào viện cấp cứu?", "Nạn nhân Rơ Châm Tuấn được đưa vào viện cấp cứu trong đêm.", "Rơ Châm Tuấn"),
    # A country written before a foreign name is no part of it; "Kim" of "Kim Jong Un" is.
    ("Who is the US president?", "Tổng thống Mỹ Daniel Ortmann hôm qua ký sắc lệnh về giá thuốc.", "Daniel Ortmann"),
    ("Who is the Japanese prime minister?", "Thủ tướng Nhật Bản Hiroshi Tanabe thăm bệnh viện dã chiến.",
     "Hiroshi Tanabe"),
    ("Who spoke at the summit?", "Tại hội nghị, lãnh đạo Triều Tiên Kim Jong Un phát biểu đầu tiên.", "Kim Jong Un"),
])
def test_a_prize_a_road_or_a_team_is_not_the_person(question, sentence, value):
    assert span_of(question, sentence) == value


@pytest.mark.parametrize("question,sentence,value", [
    # "mấy" asks how many, like "bao nhiêu"; the number counts what was asked even when the
    # question holds the same number elsewhere ("Chỉ thị 3").
    ("Hội nghị bàn về mấy nội dung?", "Hội nghị tập trung bàn 4 nội dung chính trong năm 2025.", "4"),
    ("Theo Chỉ thị 3, tỉnh cần ưu tiên mấy nhiệm vụ?",
     "Thực hiện Chỉ thị 3, tỉnh cần ưu tiên 3 nhiệm vụ trọng tâm trong năm 2025.", "3"),
    # What a classifier leads may be a list, up to the next number.
    ("Công an bảo vệ bao nhiêu sự kiện?", "Công an bảo vệ 2.000 lượt kỳ họp/cuộc họp, sự kiện chính trị.", "2.000"),
    ("Đội thu giữ bao nhiêu điện thoại?", "Đội thu giữ 20 chiếc xe máy, 3 chiếc điện thoại và 5 chiếc máy tính.", "3"),
    # "thứ mấy" asks a place in an order, not a count.
    ("Trường đứng thứ mấy trong bảng xếp hạng?",
     "Năm nay trường có 1.200 sinh viên và đứng thứ tư trong bảng xếp hạng.", "thứ tư"),
    # A period: its start or its end, as asked.
    ("Chiến dịch tiêm chủng bắt đầu từ ngày nào?",
     "Chiến dịch tiêm chủng diễn ra từ ngày 10/3 đến ngày 30/4/2025 tại tất cả các xã.", "10/3"),
    ("When does the vaccination campaign start?",
     "Chiến dịch tiêm chủng diễn ra từ ngày 10/3 đến ngày 30/4/2025 tại tất cả các xã.", "10/3"),
    ("Until what year will the water project run?", "Dự án nước sạch được triển khai từ năm 2021 đến năm 2025.", "2025"),
    ("Chiến dịch tiêm chủng kết thúc vào ngày nào?",
     "Chiến dịch tiêm chủng diễn ra từ ngày 10/3 đến ngày 30/4/2025 tại tất cả các xã.", "30/4/2025"),
    # A year right after a name is part of the name ("Bệnh viện … Hòa Bình 2020").
    ("Khi nào bệnh viện khai trương?", "Bệnh viện Đa khoa Hòa Bình 2020 khai trương vào tháng 5 năm 2021.", "tháng 5 năm 2021"),
    # A month and year as news writes it ("tháng 6/2023"); the year alone for "năm nào?".
    ("Thuốc được cấp phép khi nào?", "Thuốc được Cục Quản lý Dược cấp phép lưu hành vào tháng 6/2023.", "6/2023"),
    ("Thuốc được cấp phép vào năm nào?", "Thuốc được Cục Quản lý Dược cấp phép lưu hành vào tháng 6/2023.", "2023"),
    # A hospital after a title is no person; a doctor asked by "bác sĩ nào" is one.
    ("Who is the director of Bach Mai Hospital?",
     "PGS.TS Đào Xuân Cơ, Giám đốc Bệnh viện Bạch Mai, cho biết bệnh viện đã tiếp nhận 120 ca.", "Đào Xuân Cơ"),
    ("Bác sĩ nào điều trị cho bệnh nhân?", "TS.BS Phạm Minh Tuấn đã trực tiếp điều trị cho bệnh nhân trong 3 tuần.",
     "Phạm Minh Tuấn"),
    # A document's date answers a question about that document only.
    ("Khi nào tỉnh khởi công bệnh viện?",
     "Theo Quyết định số 1234/QĐ-UBND ngày 5/6/2023, tỉnh khởi công bệnh viện vào ngày 2/9/2024.", "2/9/2024"),
    ("Quyết định số 1234 của tỉnh được ban hành ngày nào?",
     "Theo Quyết định số 1234/QĐ-UBND ngày 5/6/2023, tỉnh khởi công bệnh viện vào ngày 2/9/2024.", "5/6/2023"),
])
def test_counts_ranks_periods_and_document_dates(question, sentence, value):
    assert span_of(question, sentence) == value


@pytest.mark.parametrize("context,value", [
    # After the first mention an article writes the given name alone; the answer gives it whole.
    (["PGS.TS Trần Văn Sơn, Thứ trưởng Bộ Y tế, chủ trì hội nghị."], "Trần Văn Sơn"),
    # Two people of that name in the article: which one is not known, so the name stays as written.
    (["Ông Trần Văn Sơn, Thứ trưởng Bộ Y tế, và ông Lê Hồng Sơn dự hội nghị."], "Sơn"),
    ([], "Sơn"),
])
def test_a_given_name_alone_is_given_whole_from_its_article(context, value):
    parsed = parse_question("Who is the Deputy Minister of Health?")
    needs = requirements(parsed, _Everything(), _Everything(), lambda term: frozenset({"doc"}))
    sentence = "Thứ trưởng Sơn yêu cầu các bệnh viện tăng cường phòng dịch."
    found = find_span(sentence, parsed, needs, question_terms(parsed, {}), [*context, sentence])
    assert found is not None and found.value == value


@pytest.mark.parametrize("question,value", [
    ("What rank does Tran Van Son hold?", "Đại tá Trần Văn Sơn"),  # the officer named, not the first one
    ("Trần Văn Sơn mang quân hàm gì?", "Đại tá Trần Văn Sơn"),
    ("Giám đốc Công an tỉnh có cấp bậc gì?", "Thiếu tướng Lê Minh Hà"),  # no name asked: not the deputy's
])
def test_a_rank_is_read_with_the_officer_it_belongs_to(question, value):
    sentence = "Dự lễ có Đại tá Trần Văn Sơn, Phó Giám đốc Công an tỉnh, và Thiếu tướng Lê Minh Hà, Giám đốc Công an tỉnh."
    assert span_of(question, sentence) == value


def test_a_sea_is_not_a_person():
    assert span_of("Ai dẫn đầu đoàn thám hiểm?", "Đoàn thám hiểm đi từ Biển Caspi đến vùng núi phía bắc.") is None


@pytest.mark.parametrize("kind,value,shown,english", [
    ("date", "7 tháng 2 năm 2016", "ngày 7 tháng 2 năm 2016", "7 February 2016"),
    ("date", "18/12", "ngày 18/12", "18 December"),
    ("date", "2016", "năm 2016", "2016"),
    ("date", "6/2023", "tháng 6/2023", "June 2023"),
    ("date", "15/10", "sáng 15/10", "the morning of 15 October"),
    ("date", "quý I năm 2025", "quý I năm 2025", "Q1 2025"),
    ("number", "3,5 triệu", "3,5 triệu người", "3.5 million"),
    ("number", "12.500", "12.500 lượt", "12,500"),
    ("number", "mười một", "mười một vụ", "11"),
    ("number", "10 phần trăm", "10 phần trăm", "10%"),
    ("number", "bảy mươi phần trăm", "bảy mươi phần trăm", "70%"),
    ("person", "Nguyễn Văn A", "Thiếu tướng Nguyễn Văn A", "Major General Nguyễn Văn A"),
    ("rank", "Thượng tá Nguyễn Văn A", "Thượng tá Nguyễn Văn A", "Colonel Nguyễn Văn A"),
    # A range, and an amount with its bound.
    ("date", "từ ngày 3/4 đến 28/4", "từ ngày 3/4 đến ngày 28/4", "from 3 April to 28 April"),
    ("number", "từ 80 đến 120 triệu", "từ 80 đến 120 triệu đồng", "from 80 to 120 million dong"),
    ("number", "hơn 1,2 tỷ", "hơn 1,2 tỷ đồng", "more than 1.2 billion dong"),  # money keeps its currency
    ("number", "5", "5 USD", "5 USD"),
    ("number", "30 đến 50 nghìn", "30 đến 50 nghìn người", "30 to 50 thousand"),
    ("number", "hơn 200", "hơn 200 y bác sĩ", "more than 200"),
    ("number", "gần 3,5 triệu", "gần 3,5 triệu người", "nearly 3.5 million"),
])
def test_an_english_reader_sees_the_span_in_english(kind, value, shown, english):
    span = Span(value, shown, 1, "doc", "unknown", 1.0, kind)
    assert short_answer([span], "en").text == f"Short answer: {english} [1]."
    assert short_answer([span], "vi").text == f"Trả lời ngắn: {shown} [1]."  # as the article writes it
    assert short_answer([span], "en").value == value  # what is measured


@pytest.mark.parametrize("question,sentence,context,value", [
    # The post after the name, up to a verb; a lower-case syllable goes with the capitalised one
    # before it when the article writes them together before punctuation ("Công an,").
    ("Nguyễn Hải Trung là ai?", "Trung tướng Nguyễn Hải Trung, Giám đốc Công an TP Hà Nội phát lệnh ra quân.",
     [], "Giám đốc Công an TP Hà Nội"),
    ("Who is Nguyen Van Nam?", "Ông Nguyễn Văn Nam, Giám đốc Công an thành phố yêu cầu các đơn vị tăng cường.",
     ["Lực lượng Công an, Quân đội cùng tham gia."], "Giám đốc Công an thành phố"),  # the body's own city
    ("Ông Nguyễn Văn Nam là ai?", "Ông Nguyễn Văn Nam, Giám đốc Công an thành phố yêu cầu các đơn vị tăng cường.",
     [], "Giám đốc Công"),
    # Several posts separated by commas; a lower-case "former" may lead one; an abbreviated degree
    # before the name is not the name.
    ("Nguyễn Văn Kính là ai?",
     "PGS.TS Nguyễn Văn Kính, nguyên Giám đốc Bệnh viện Bệnh Nhiệt đới Trung ương, cho biết bệnh sởi rất dễ lây.",
     [], "nguyên Giám đốc Bệnh viện Bệnh Nhiệt đới Trung ương"),
    ("Bà Lê Thị Mai giữ chức vụ gì?",
     "Bà Lê Thị Mai, Phó Giám đốc Sở Y tế tỉnh Nghệ An, Ủy viên Ban Thường vụ Tỉnh ủy, đã chủ trì buổi làm việc.",
     [], "Phó Giám đốc Sở Y tế tỉnh Nghệ An, Ủy viên Ban Thường vụ Tỉnh ủy"),
    ("What position does Tran Thi Hong hold?",
     "Theo bác sĩ Trần Thị Hồng, Trưởng khoa Nhi Bệnh viện Bạch Mai cho biết số ca mắc tăng.", [],
     "Trưởng khoa Nhi Bệnh viện Bạch Mai"),
    ("Ông Nguyễn Văn Nam là ai?", "Ông Nguyễn Văn Nam, Giám đốc Bệnh viện K nói, bệnh viện đã quá tải.", [],
     "Giám đốc Bệnh viện K"),
    # The post before the name.
    ("Who is To Lam?", "Tại buổi làm việc, Bộ trưởng Công an Tô Lâm cảm ơn sự quan tâm của thành phố.", [],
     "Bộ trưởng Công an"),
    # What follows the name is no post: an age, another person.
    ("Ông Nguyễn Văn An là ai?", "Ông Nguyễn Văn An, 45 tuổi, trú tại Hà Nội, bị bắt giữ.", [], None),
    ("Who is Michael Mann?", "Michael Mann, Raymond Bradley và Malcolm Hughes viết bài báo năm 1998.", [], None),
])
def test_what_a_named_person_is(question, sentence, context, value):
    parsed = parse_question(question)
    needs = requirements(parsed, _Everything(), _Everything(), lambda term: frozenset({"doc"}))
    found = find_span(sentence, parsed, needs, question_terms(parsed, {}), [*context, sentence])
    assert (found.value if found else None) == value


@pytest.mark.parametrize("question,sentence,value", [
    # "X nào": a name written right after the noun X; the noun stays when it is part of the name.
    ("Học sinh được đưa đến bệnh viện nào?",
     "Đến tối cùng ngày, 112 học sinh đã được đưa đến Bệnh viện Đa khoa tỉnh Khánh Hòa và Bệnh viện Quân y 87.",
     "Bệnh viện Đa khoa tỉnh Khánh Hòa"),
    ("Mẫu thuốc được lấy ở tỉnh nào?", "Mẫu thuốc được lấy tại một nhà thuốc ở tỉnh Bắc Ninh không đạt chuẩn.",
     "Bắc Ninh"),
    ("Broncos đã đánh bại đội nào?", "Broncos đánh bại đội Pittsburgh Steelers với tỷ số 23-16.",
     "Pittsburgh Steelers"),
    # The name may follow the verb itself; a drug is a foreign word written in lower case.
    ("Đội tuyển đã vượt qua đội nào ở bán kết?", "Đội tuyển đã vượt qua Hàn Quốc ở bán kết với tỷ số 2-1.",
     "Hàn Quốc"),
    ("Bệnh viện được cấp thêm thuốc kháng virus nào?",
     "Sở đã cấp thêm 12.000 liều thuốc kháng virus zanamivir cho các bệnh viện quận.", "zanamivir"),
    # An English "which hospital" is the Vietnamese noun before a name.
    ("At which hospital were the pupils treated?", "Các em được điều trị tại Bệnh viện Đa khoa tỉnh Khánh Hòa.",
     "Bệnh viện Đa khoa tỉnh Khánh Hòa"),
    # A name the question holds is no answer; no name after the noun, no answer.
    ("Công ty nào của Minh Long bị xử phạt?", "Công ty Minh Long bị xử phạt 50 triệu đồng.", None),
    ("Bệnh viện nào quá tải?", "Nhiều bệnh viện ở Hà Nội quá tải vì sốt xuất huyết.", None),
])
def test_which_thing(question, sentence, value):
    assert span_of(question, sentence) == value


@pytest.mark.parametrize("question,sentence,value", [
    # "X, <post>, cho biết …": the person is who spoke, not a place inside the post ("Hà" is also
    # a surname, so "Hà Nội" is shaped like a name).
    ("Ai cho biết về chiến dịch tiêm vắc xin sởi?",
     "Bà Trần Thị Nhị Hà, Phó Giám đốc Sở Y tế Hà Nội, cho biết thành phố đã triển khai chiến dịch tiêm vắc xin sởi.",
     "Trần Thị Nhị Hà"),
    ("Ai yêu cầu tăng cường phòng dịch?",
     "Ông Lê Văn Minh, Chủ tịch UBND tỉnh Hà Giang, yêu cầu các địa phương tăng cường phòng dịch.", "Lê Văn Minh"),
])
def test_the_speaker_is_the_person_before_the_post(question, sentence, value):
    assert span_of(question, sentence) == value


@pytest.mark.parametrize("question,sentence,value", [
    # "How long": a number of a unit of time, with its unit; a date or a count of people is none.
    ("Ca ghép tim kéo dài bao lâu?",
     "Ông Hùng cho biết ca ghép tim kéo dài 5 giờ với sự tham gia của hơn 100 y bác sĩ.", "5 giờ"),
    ("Thời gian ủ bệnh sởi là bao lâu?", "Thời gian ủ bệnh của sởi thường từ 10-14 ngày.", "10-14 ngày"),
    ("How long did the treatment last?", "Bệnh nhân được điều trị trong 2 tuần, từ ngày 3/4 đến ngày 17/4.", "2 tuần"),
    ("Chiến dịch kéo dài bao lâu?", "Chiến dịch bắt đầu từ ngày 1/3 với 100 người tham gia.", None),
    # "tiếng" (hour, as news writes it) is a unit of time; a sound ("tiếng nổ") has no number before it.
    ("Ca mổ kéo dài bao lâu?", "Sau tiếng nổ lớn, ê-kíp phẫu thuật 3 lần truyền máu, ca mổ kéo dài gần 4 tiếng.",
     "gần 4 tiếng"),
    ("How long did the rescue take?", "Lực lượng cứu hộ mất 6 tiếng đồng hồ để đưa nạn nhân ra ngoài.", "6 tiếng"),
])
def test_how_long(question, sentence, value):
    assert span_of(question, sentence) == value


@pytest.mark.parametrize("text,english", [("5 giờ", "5 hours"), ("10-14 ngày", "10-14 days"),
                                          ("mười năm", "10 years"), ("1 tuần", "1 week"), ("2,5 tháng", "2.5 months"),
                                          ("4 tiếng", "4 hours")])
def test_a_duration_in_english(text, english):
    assert english_duration(text) == english


@pytest.mark.parametrize("question,sentence,shown", [
    # "hôm nào" asks the day; the part of the day is shown with it.
    ("Ca mổ được tiến hành vào hôm nào?", "Ca mổ diễn ra sáng 15/10 và kéo dài 9 giờ.", "sáng 15/10"),
    ("Chiến dịch bắt đầu từ hôm nào?", "Chiến dịch bắt đầu từ chiều ngày 12/9 và kéo dài đến ngày 15/11.",
     "chiều ngày 12/9"),
    # Units that fold onto a function word ("ổ" / "ở", "độ" / "do") are still units.
    ("CDC tỉnh đã xử lý mấy ổ dịch từ đầu năm?", "Từ đầu năm, đơn vị đã xử lý 98 ổ dịch, phun hóa chất 154 trường học.",
     "98 ổ dịch"),
    ("Trẻ sốt cao trên bao nhiêu độ thì phải đi viện?", "Khi trẻ sốt trên 39 độ trong 2 ngày, gia đình cần đưa đến viện.",
     "39 độ"),
    # Children are counted as "trẻ" whether the question says "bé" or "cháu".
    ("Có mấy cháu bé tử vong vì tay chân miệng?", "Trong số này có 2 trẻ tử vong, đều dưới 3 tuổi.", "2 trẻ tử vong"),
    # "Tên là gì" after a title asks the holder's name.
    ("Cục trưởng Cục Y tế dự phòng tên là gì?",
     "Ông Vũ Quang Hiếu, Cục trưởng Cục Y tế dự phòng, cho biết kinh phí khoảng 620 tỷ đồng.", "Vũ Quang Hiếu"),
    # A time of day for "mấy giờ" (not the 9 hours the operation lasted); a quarter is a date.
    ("Khoảng mấy giờ thì công nhân bắt đầu đau bụng?", "Khoảng 14h cùng ngày, nhiều người có biểu hiện đau bụng.",
     "14h"),
    ("Ca mổ kết thúc lúc mấy giờ?", "Ca mổ kéo dài 9 giờ và kết thúc lúc 17 giờ 30 phút.", "17 giờ 30 phút"),
    # The end of a period asked ("xong") is the time its own words end ("kết thúc … khoảng 2h10").
    ("ca phẫu thuật xong lúc mấy giờ", "Ca phẫu thuật bắt đầu lúc 22h40 và kết thúc vào rạng sáng hôm sau, khoảng 2h10.",
     "2h10"),
    ("Ca phẫu thuật bắt đầu lúc mấy giờ?",
     "Ca phẫu thuật bắt đầu lúc 22h40 và kết thúc vào rạng sáng hôm sau, khoảng 2h10.", "22h40"),
    ("Đến khi nào tỷ lệ tiêm chủng phải trở lại trên 90%?",
     "Mục tiêu là đến hết quý I năm 2025, tỷ lệ tiêm chủng đầy đủ phải trở lại trên 90%.", "quý I năm 2025"),
    # "tỉnh nào" is answered by a place the article names without "tỉnh".
    ("Bà Mai từ tỉnh nào lên khám bệnh?", "Bà Trần Thị Mai, 67 tuổi, từ Bến Tre lên khám tim mạch.", "Bến Tre"),
    # What is counted ends at "vì" (because): "1.200 trẻ mắc tay chân miệng" counts no deaths.
    ("Có mấy cháu bé tử vong vì tay chân miệng?",
     "Tỉnh có hơn 1.200 trẻ mắc tay chân miệng được điều trị ngoại trú tại nhà, 2 trẻ tử vong.", "2 trẻ tử vong"),
    # A department's name is capitalised on its first word only; the post runs to the comma.
    ("Phạm Minh Tuấn là ai?", "Cùng tham gia có TS.BS Phạm Minh Tuấn, Phó trưởng khoa Phẫu thuật tim mạch người lớn, "
     "và BS.CKII Đỗ Thị Lan Anh, khoa Gây mê hồi sức.", "Phạm Minh Tuấn, Phó trưởng khoa Phẫu thuật tim mạch người lớn"),
    ("Trần Văn Bình là ai?", "Bác sĩ Trần Văn Bình, Trưởng khoa Nhi cho biết số ca mắc tăng.",
     "Trần Văn Bình, Trưởng khoa Nhi"),
    # A count noun of two syllables is shown whole: "17 bệnh nhân", not "17 bệnh".
    ("Trung tâm cấp cứu nhận bao nhiêu ca sốc nhiệt?", "Trung tâm Cấp cứu đã tiếp nhận 17 bệnh nhân say nắng, sốc nhiệt.",
     "17 bệnh nhân"),
    ("Bao nhiêu chị em được khám miễn phí?", "Sau gần hai tháng, 5.128 chị em đã được khám miễn phí.", "5.128 chị em"),
    # "nam" before an age is "male", no number of years.
    ("How long did the operation take?", "Bệnh nhân nam 58 tuổi được mổ trong 9 giờ.", "9 giờ"),
])
def test_span_shown(question, sentence, shown):
    found = _found(question, sentence)
    assert found is not None and found.shown == shown


def test_a_capitalised_syllable_that_starts_a_common_word_is_no_name():
    """"Phó giám đốc Bảo hiểm xã hội": the article writes "bảo hiểm" in lower case elsewhere, so
    "Bảo" heads the organisation, not a person named Bảo."""
    sentence = "Bà Nguyễn Thị Kim Oanh, Phó giám đốc Bảo hiểm xã hội TP HCM, cho biết quỹ đã chi 28.500 tỷ đồng."
    context = (sentence + " Có 82% người bệnh dùng thẻ bảo hiểm y tế.",)
    assert span_of("Ai là phó giám đốc?", sentence, context) == "Nguyễn Thị Kim Oanh"
    assert span_of("Ai là phó giám đốc?", "Phó giám đốc Hùng cho biết quỹ đã chi 28.500 tỷ đồng.", context) == "Hùng"


@pytest.mark.parametrize("question,sentence,value", [
    # A range answers an amount or a period asked whole; its first end is no answer of its own.
    ("Một ca phẫu thuật tốn khoảng bao nhiêu tiền?",
     "Chi phí mỗi ca phẫu thuật dao động từ 80 đến 120 triệu đồng, tùy tình trạng bệnh nhân.", "từ 80 đến 120 triệu"),
    ("Chiến dịch tiêm chủng diễn ra trong khoảng thời gian nào?",
     "Chiến dịch tiêm chủng diễn ra từ ngày 3/4 đến ngày 28/4 tại tất cả trạm y tế.", "từ ngày 3/4 đến 28/4"),
    ("Đợt kiểm tra kéo dài từ ngày nào đến ngày nào?",
     "Từ ngày 2/5 đến 20/5, đoàn kiểm tra làm việc tại 40 nhà thuốc.", "Từ ngày 2/5 đến 20/5"),
    ("When did the floods hit the region?", "Lũ lớn xảy ra trong vùng từ năm 1998 đến năm 2001.", "từ năm 1998 đến 2001"),
    # One side asked: that side alone.
    ("Đợt kiểm tra bắt đầu từ ngày nào?", "Từ ngày 2/5 đến 20/5, đoàn kiểm tra làm việc tại 40 nhà thuốc.", "2/5"),
    ("Đợt kiểm tra kết thúc vào ngày nào?", "Từ ngày 2/5 đến 20/5, đoàn kiểm tra làm việc tại 40 nhà thuốc.", "20/5"),
])
def test_a_range_is_answered_whole(question, sentence, value):
    assert span_of(question, sentence) == value


@pytest.mark.parametrize("question,sentence,value", [
    # One year asked: the year, not the period; a change from one amount to another is no range.
    ("In which year was the bridge built?", "Cây cầu được xây dựng từ năm 1998 đến năm 2001 bằng vốn vay.", "1998"),
    ("Năm nào hội chợ được tổ chức lần đầu?", "Hội chợ được tổ chức hằng năm từ năm 1998 đến năm 2001.", "1998"),
    ("Diện tích rừng bị mất là bao nhiêu ha?", "Diện tích rừng bị mất đã tăng từ 1.200 đến 1.800 ha mỗi năm.", "1.800"),
])
def test_one_moment_or_a_change_is_no_range(question, sentence, value):
    assert span_of(question, sentence) == value


def test_a_rise_may_be_a_range():
    assert span_of("Mực nước đã tăng bao nhiêu mét?", "Sau trận mưa, mực nước sông đã tăng 1,5 đến 2 mét.") == "1,5 đến 2"


@pytest.mark.parametrize("question,sentence,value", [
    # "tỉnh Thanh Hóa" is a place: no "anh" in "Thanh" makes "Hóa" a person.
    ("Ai là người bị thương nặng nhất?",
     "Bệnh viện cho biết chị Trần Thị Mơ (35 tuổi, quê tỉnh Thanh Hóa), người bị thương nặng nhất, đã tỉnh lại.",
     "Trần Thị Mơ"),
    # A Hmong name after a doctor's degree.
    ("Ai là trưởng khoa Nhi?",
     "Bác sĩ CKI Giàng A Páo, Trưởng khoa Nhi Bệnh viện Đa khoa tỉnh Lào Cai, cho biết có 3 ca mắc.", "Giàng A Páo"),
    # "Công nhân … tên là gì?" asks a person.
    ("Công nhân bị ngã từ giàn giáo tên là gì?",
     "Theo cơ quan chức năng, công nhân bị ngã từ giàn giáo là anh Đỗ Văn Hưng, 27 tuổi, ở Trường Đại học Xây dựng.",
     "Đỗ Văn Hưng"),
    # Where someone lives, written without "tại": the whole address.
    ("Chị Mơ trú ở đâu?", "Chị Lò Thị Mơ (35 tuổi, trú bản Nà Sài, xã Mường Khoa, huyện Tân Uyên) được đưa vào viện.",
     "bản Nà Sài, xã Mường Khoa, huyện Tân Uyên"),
])
def test_people_and_where_they_live(question, sentence, value):
    assert span_of(question, sentence) == value


def test_bv_is_a_hospital():
    """News readers write "BV" for "bệnh viện": the post asked is held by the hospital's director
    (it was an organisation "BV" no sentence names, and the question was refused)."""
    parsed = parse_question("Ai là phó giám đốc BV Đa khoa tỉnh Lào Cai?")
    needs = requirements(parsed, _Everything(), _Everything(), lambda term: frozenset({"doc"}))
    assert needs.supported_by("Bác sĩ Giàng A Páo, Phó giám đốc Bệnh viện Đa khoa tỉnh Lào Cai, cho biết có 3 ca.", "doc")


@pytest.mark.parametrize("question,sentence,value", [
    # The amount as the article gives it: "hơn 200", not "200".
    ("Bao nhiêu y bác sĩ tham gia ca ghép?", "Hơn 200 y bác sĩ của bệnh viện đã tham gia ca ghép tạng.", "Hơn 200"),
    ("Bệnh nhân được truyền bao nhiêu ml máu?", "Ca mổ kéo dài 3 tiếng, bệnh nhân được truyền gần 350 ml máu.",
     "gần 350"),
    ("Bệnh nhân được truyền bao nhiêu ml máu?", "Ca mổ kéo dài 3 tiếng, bệnh nhân được truyền khoảng 350 ml máu.",
     "350"),
])
def test_an_amount_keeps_its_qualifier(question, sentence, value):
    assert span_of(question, sentence) == value



def test_a_time_and_its_day_asked_together():
    sentence = "Khoảng 10h ngày 19/8, anh Sáu bị rắn cắn khi đang làm rẫy."
    assert span_of("Anh Sáu bị rắn cắn lúc mấy giờ, ngày nào?", sentence) == "10h ngày 19/8"
    assert span_of("Anh Sáu bị rắn cắn lúc mấy giờ?", sentence) == "10h"


def test_a_count_of_a_part_gives_way_to_the_whole():
    """"3 ca sốt rét ác tính" counts the severe cases only: the question asks them all."""
    sentence = ("Sáng 5/9, ông Trần Văn Hải, Giám đốc CDC tỉnh Kon Tum, cho biết 7 tháng đầu năm toàn tỉnh ghi nhận "
                "310 ca mắc sốt rét, tăng 95% so với cùng kỳ năm trước, trong đó có 3 ca sốt rét ác tính.")
    assert span_of("Kon Tum có bao nhiêu ca sốt rét?", sentence) == "310"


@pytest.mark.parametrize("question,sentence,value", [
    # A count typed as a search, not asked: what follows "số" is counted.
    ("Số đội tiêm lưu động của huyện", "Huyện huy động 36 đội tiêm lưu động, mỗi đội có 2 bác sĩ.", "36"),
    ("số lượng ca mắc sởi ở Hà Nội năm nay", "Năm nay, Hà Nội ghi nhận 312 ca mắc sởi tại 18 quận, huyện.", "312"),
])
def test_a_count_typed_as_a_search(question, sentence, value):
    assert span_of(question, sentence) == value


@pytest.mark.parametrize("question", ["Số điện thoại đường dây nóng của Sở Y tế", "Sở Y tế tỉnh cấp thuốc cho bệnh viện",
                                      "Số nguyên tố nhỏ nhất là số nào?"])
def test_other_words_with_so_ask_no_count(question):
    assert parse_question(question).kind != "number"


def test_a_birth_year_answers_only_a_birth():
    sentence = "Toàn là nghi phạm sát hại anh Phước (SN 1987), tài xế xe ôm ở xã Cát Hanh."
    assert span_of("Nghi phạm bị bắt khi nào?", sentence) is None
    assert span_of("Anh Phước sinh năm nào?", sentence) == "1987"


def test_a_vague_count_gives_way_to_a_number():
    """"hàng trăm học sinh" gives no number (it was read as "trăm", 100): the 102 admitted do."""
    sentence = "Sau bữa trưa, hàng trăm học sinh có biểu hiện đau bụng, nôn; 102 em phải nhập viện điều trị."
    assert span_of("Bao nhiêu học sinh phải nhập viện?", sentence) == "102"
    assert span_of("Có bao nhiêu học sinh đau bụng?", "Sau bữa trưa, hàng trăm học sinh có biểu hiện đau bụng.") == "hàng trăm"
    assert english_number("hàng nghìn") == "thousands"


def test_a_price_asked_before_bao_nhieu_is_money():
    sentence = "Mỗi suất ăn trưa gồm 4 món, được công ty cung cấp với giá 25.000 đồng."
    assert span_of("Giá mỗi suất ăn trưa là bao nhiêu?", sentence) == "25.000"
    assert span_of("Mục tiêu thu ngân sách năm 2025 là bao nhiêu?",
                   "Năm 2025, tỉnh đặt mục tiêu tăng trưởng từ 7% trở lên; thu ngân sách 9.400 tỷ đồng.") == "9.400 tỷ"


def test_a_dateline_dates_the_report():
    """"Hà Nội, ngày 22/4/2025 – …" dates the article, not what it reports; another quote's date
    answers first."""
    parsed = parse_question("Đường dây bị triệt phá khi nào?")
    dateline = _found("Đường dây bị triệt phá khi nào?",
                      "Hà Nội, ngày 22/4/2025 – Công an thành phố vừa triệt phá một đường dây lừa đảo.")
    assert dateline is not None and dateline.against > 0 and parsed.kind == "date"
    plain = _found("Đường dây bị triệt phá khi nào?", "Ngày 20/4, công an triệt phá một đường dây lừa đảo.")
    assert plain is not None and plain.against == 0


@pytest.mark.parametrize("question,kind", [("dam chay duoc khong che luc may gio", "date"),
                                           ("vu tai nan xay ra ngay may", "date"),
                                           ("benh vien co may tho khong", None)])
def test_a_time_asked_without_diacritics(question, kind):
    assert parse_question(question).kind == kind


def test_a_report_date_gives_way_to_the_date_it_reports():
    """"Ngày 30/9, BS.CKII …, cho biết chiến dịch … từ 1/10 đến 15/11": the campaign's period, not
    the day it was announced (the abbreviation's dot hid the "cho biết")."""
    sentence = ("Ngày 30/9, BS.CKII Nguyễn Văn Tín, Giám đốc Sở Y tế, cho biết chiến dịch sẽ được triển khai "
                "từ 1/10 đến 15/11 tại tất cả các xã.")
    assert span_of("Chiến dịch kéo dài từ ngày nào đến ngày nào?", sentence) == "từ 1/10 đến 15/11"
    assert span_of("Sở Y tế thông báo về chiến dịch vào ngày nào?", sentence) == "30/9"  # the report asked


def test_a_range_between_parts_of_days():
    sentence = "Mưa lớn kéo dài từ đêm 22/7 đến sáng 24/7 đã gây lũ quét tại nhiều địa phương."
    assert span_of("Mưa lớn kéo dài từ khi nào đến khi nào?", sentence) == "từ đêm 22/7 đến sáng 24/7"
    assert span_of("Mưa lớn kéo dài đến khi nào?", sentence) == "24/7"


@pytest.mark.parametrize("question,sentence,value", [
    ("Các ổ dịch nằm ở những huyện nào?",
     "Các ổ dịch tập trung tại các huyện Chư Sê, Ia Pa, Krông Pa và thị xã An Khê.", "Chư Sê, Ia Pa, Krông Pa và thị xã An Khê"),
    ("Which districts reported outbreaks?",
     "Các ổ dịch tập trung tại các huyện Chư Sê, Ia Pa và Krông Pa.", "Chư Sê, Ia Pa và Krông Pa"),
    ("Ổ dịch ở huyện nào?", "Ổ dịch nằm ở huyện Chư Sê, cách thị xã An Khê 30 km.", "Chư Sê"),  # one asked
])
def test_several_things_asked_are_answered_with_the_list(question, sentence, value):
    assert span_of(question, sentence) == value


@pytest.mark.parametrize("question,sentence,value", [
    # "trong đó" (of which) leads a part of the count before it, unless the part is what is asked.
    ("How many fires have occurred in Dong Nai since the start of 2024?",
     "Theo PC07 Công an tỉnh Đồng Nai, từ đầu năm 2024 đến nay, trên địa bàn tỉnh xảy ra 47 vụ cháy, trong đó có "
     "19 vụ cháy tại cơ sở sản xuất, kinh doanh, làm 3 người chết.", "47"),
    ("Bệnh viện tiếp nhận bao nhiêu bệnh nhân mắc bệnh dại?",
     "Trong tháng 6, bệnh viện tiếp nhận 4 bệnh nhân mắc bệnh dại, trong đó 2 bệnh nhân đã tử vong.", "4"),
    ("How many rabies patients did the hospital receive in June?",
     "Trong tháng 6, bệnh viện tiếp nhận 4 bệnh nhân mắc bệnh dại giai đoạn cuối, trong đó 2 người tử vong.", "4"),
    ("Tỉnh xảy ra bao nhiêu vụ cháy?",
     "Từ đầu năm, toàn tỉnh xảy ra 47 vụ cháy, trong đó có 19 vụ cháy tại cơ sở sản xuất.", "47"),
    ("Bao nhiêu trẻ phải thở máy?", "Bệnh viện đã khám cho 643 trẻ mắc bệnh, trong đó 21 trẻ phải thở máy.", "21"),
    # "tai" is the word of "tai nạn" in a sentence written with diacritics (not "tại"); "vụ" leads it.
    ("How many traffic accidents happened in the province?",
     "Toàn tỉnh xảy ra 118 vụ tai nạn giao thông, làm chết 76 người.", "118"),
])
def test_counts_of_a_part_and_of_things_led_by_vu(question, sentence, value):
    assert span_of(question, sentence) == value


def test_a_glossary_word_in_the_plural():
    from rag.glossary import head_equivalent, vietnamese_equivalents
    assert head_equivalent("fires") == ["chay"]
    assert vietnamese_equivalents("How many medical services …?") == [["dich", "vu"]]


def test_a_count_after_trong_do_is_a_part_unless_the_part_is_asked():
    from rag.short_answer import _asked_words, _counts_a_subset
    sentence = "Toàn tỉnh xảy ra 47 vụ cháy, trong đó có 19 vụ cháy tại cơ sở sản xuất, làm 3 người chết."
    at = sentence.index("19")
    fires = _asked_words(parse_question("How many fires occurred in the province?"))
    assert _counts_a_subset(sentence, at, at + 2, fires)
    assert not _counts_a_subset(sentence, sentence.index("47"), sentence.index("47") + 2, fires)
    at_factories = _asked_words(parse_question("Có bao nhiêu vụ cháy tại cơ sở sản xuất?"))
    assert not _counts_a_subset(sentence, at, at + 2, at_factories)


@pytest.mark.parametrize("question,kind", [("kim ngach xuat khau cua tinh nam 2024", "number"),
                                           ("Tổng mức đầu tư cầu Hòa Đông", "number"),
                                           ("Gia Lai tiêm vaccine sởi", None),   # a name, not "giá"
                                           ("Giá thuốc là gì?", None),
                                           ("Trường lấy kinh phí từ đâu?", None)])
def test_an_amount_of_money_typed_as_a_search(question, kind):
    assert parse_question(question).kind == kind


def test_an_amount_typed_as_a_search_is_answered_with_money():
    sentence = "Cầu chính dài 680 m, rộng 14 m với 4 làn xe, được xây dựng với tổng mức đầu tư 620 tỷ đồng."
    assert span_of("Tổng mức đầu tư cầu Hòa Đông", sentence) == "620 tỷ"

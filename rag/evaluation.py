"""Evaluating retrieval and answers on test questions (the `rag eval` JSON contract).

Metrics are over documents: the chunks of one document count once, at their best rank. The
metric classes are llama-index's own (HitRate, MRR, NDCG), applied to the ranking cut at k.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rag.answer import Answer
from rag.text import detect_language, fold, normalize

HIT_KS = (1, 3, 5, 10)
RANK_DEPTH = 10


class BadQuestionsFile(ValueError):
    """The questions file cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class EvalQuestion:
    qid: str
    question: str
    sources: list[str]
    answers: list[str]
    lang: str

    @property
    def answerable(self) -> bool:
        return bool(self.sources)


def _parse(row: object, where: str) -> EvalQuestion:
    if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not row["question"].strip():
        raise BadQuestionsFile(f"{where}: each line needs a non-empty \"question\"")
    if "sources" in row:
        sources = row["sources"]
    elif "passage_id" in row:
        sources = [row["passage_id"]]
    else:
        raise BadQuestionsFile(f"{where}: needs \"sources\" (a list of document ids) or \"passage_id\"")
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise BadQuestionsFile(f"{where}: \"sources\" must be a list of document ids")
    answers = row.get("answers") or []
    if not isinstance(answers, list):
        raise BadQuestionsFile(f"{where}: \"answers\" must be a list of strings")
    question = row["question"]
    return EvalQuestion(str(row.get("id") or where), question, sources, [str(a) for a in answers],
                        str(row.get("lang") or detect_language(question)))


def load_questions(path: Path) -> list[EvalQuestion]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise BadQuestionsFile(f"cannot read {path}: {getattr(err, 'strerror', None) or err}") from None
    questions = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise BadQuestionsFile(f"{path}:{lineno}: invalid JSON ({err.msg})") from None
        questions.append(_parse(row, f"{path}:{lineno}"))
    if not questions:
        raise BadQuestionsFile(f"{path}: no questions")
    return questions


def ranking_metrics(expected: list[str], ranked: list[str]) -> dict[str, float]:
    # Imported here: llama_index.core costs ~2 s of start-up that `rag ask` should not pay.
    from llama_index.core.evaluation.retrieval.metrics import MRR, NDCG, HitRate

    ranked = ranked[:RANK_DEPTH]
    if not ranked:
        return {**{f"hit@{k}": 0.0 for k in HIT_KS}, "mrr@10": 0.0, "ndcg@10": 0.0}
    out = {f"hit@{k}": HitRate().compute(expected_ids=expected, retrieved_ids=ranked[:k]).score for k in HIT_KS}
    out["mrr@10"] = MRR().compute(expected_ids=expected, retrieved_ids=ranked).score
    out["ndcg@10"] = NDCG().compute(expected_ids=expected, retrieved_ids=ranked).score
    return out


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    if not rows:
        return {}
    return {key: round(sum(r[key] for r in rows) / len(rows), 4) for key in rows[0]}


def answer_matches(answer: Answer, expected: list[str]) -> bool:
    """Does an expected string appear in the cited sentences (case and accents as typed)?"""
    quoted = normalize(" ".join(c.sentence or c.text for c in answer.citations)).lower()
    return any(normalize(e).lower() in quoted or fold(normalize(e)).lower() in fold(quoted)
               for e in expected if e.strip())


def evaluate(questions: list[EvalQuestion], ask: Callable[[str], Answer],
             on_progress: Callable[[int, int], None] | None = None) -> dict:
    """Run every question through `ask` and compute the `rag eval` report."""
    per_question, ranked_rows, by_lang = [], [], {}
    abstention = {"unanswerable": 0, "abstained_correctly": 0, "answerable": 0, "abstained_wrongly": 0}
    matches = 0
    for i, q in enumerate(questions, 1):
        answer = ask(q.question)
        row = {"id": q.qid, "question": q.question, "lang": q.lang, "sources": q.sources,
               "retrieved": answer.retrieved_doc_ids[:RANK_DEPTH], "abstained": answer.abstained,
               "evidence": round(answer.evidence, 4)}
        if q.answerable:
            metrics = ranking_metrics(q.sources, answer.retrieved_doc_ids)
            ranked_rows.append(metrics)
            by_lang.setdefault(q.lang, []).append(metrics)
            abstention["answerable"] += 1
            abstention["abstained_wrongly"] += answer.abstained
            matched = (not answer.abstained) and answer_matches(answer, q.answers) if q.answers else None
            matches += bool(matched)
            row.update(metrics=metrics, answer_match=matched)
        else:
            abstention["unanswerable"] += 1
            abstention["abstained_correctly"] += answer.abstained
        per_question.append(row)
        if on_progress:
            on_progress(i, len(questions))
    with_answers = sum(1 for q in questions if q.answerable and q.answers)
    return {
        "n": len(questions),
        "metrics": _mean(ranked_rows),
        "by_lang": {lang: _mean(rows) for lang, rows in sorted(by_lang.items())},
        "abstention": abstention,
        "answer_match": round(matches / with_answers, 4) if with_answers else None,
        "per_question": per_question,
    }

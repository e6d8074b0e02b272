"""Evaluating retrieval and answers on test questions (the `rag eval` JSON contract).

Short answers are scored as SQuAD scores them (exact match, token F1 against the best gold
answer), per language and per question kind (person, date, number, place).

Metrics are over documents: the chunks of one document count once, at their best rank. The
metric classes are llama-index's own (HitRate, MRR, NDCG), applied to the ranking cut at k.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rag.answer import Answer
from rag.question import parse_question
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
    answers_vi: tuple[str, ...] = ()  # the answers as the (Vietnamese) articles write them, if given

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
    answers_vi = row.get("answers_vi") or []
    if not isinstance(answers_vi, list):
        raise BadQuestionsFile(f"{where}: \"answers_vi\" must be a list of strings")
    question = row["question"]
    return EvalQuestion(str(row.get("id") or where), question, sources, [str(a) for a in answers],
                        str(row.get("lang") or detect_language(question)), tuple(str(a) for a in answers_vi))


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
    """Does an expected string appear in the cited sentences (case and accents as typed)?
    `expected` holds `answers_vi` too: an English question's quotes are Vietnamese sentences."""
    quoted = normalize(" ".join(c.sentence or c.text for c in answer.citations)).lower()
    return any(normalize(e).lower() in quoted or fold(normalize(e)).lower() in fold(quoted)
               for e in expected if e.strip())


_ARTICLES = {"a", "an", "the"}


def answer_tokens(text: str) -> list[str]:
    """SQuAD's answer normalisation after the project's: NFC and one tone placement, lower case,
    punctuation dropped, English articles dropped."""
    text = "".join(" " if unicodedata.category(c).startswith("P") else c for c in normalize(text).lower())
    return [w for w in text.split() if w not in _ARTICLES]


def exact_match(prediction: str, golds: list[str]) -> float:
    return float(any(answer_tokens(prediction) == answer_tokens(g) for g in golds))


def token_f1(prediction: str, golds: list[str]) -> float:
    """SQuAD token F1 against the best of the gold answers."""
    predicted = answer_tokens(prediction)
    best = 0.0
    for gold in golds:
        expected = answer_tokens(gold)
        common = sum((Counter(predicted) & Counter(expected)).values())
        if common:
            precision, recall = common / len(predicted), common / len(expected)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def short_answer_scores(answer: Answer, q: EvalQuestion) -> dict | None:
    """Exact match and F1 of the short answer for a question asking a name, date, number or
    place (None for other questions). No short answer scores 0; the gold answers are the
    question's `answers` and `answers_vi` (short answers are quoted from the articles)."""
    kind = parse_question(q.question).kind
    golds = [a for a in [*q.answers, *q.answers_vi] if a.strip()]
    if kind is None or not golds or not q.answerable:
        return None
    predicted = answer.short.value if answer.short is not None and not answer.abstained else ""
    return {"kind": kind, "short_answer": predicted or None, "exact_match": exact_match(predicted, golds) if predicted else 0.0,
            "f1": round(token_f1(predicted, golds), 4) if predicted else 0.0}


def _short_summary(rows: list[tuple[str, dict]]) -> dict:
    """Per language, per question kind (and "all"): n, share answered, mean exact match and F1."""
    out: dict[str, dict] = {}
    for lang in sorted({lang for lang, _ in rows}):
        groups: dict[str, list[dict]] = {}
        for row_lang, row in rows:
            if row_lang == lang:
                groups.setdefault(row["kind"], []).append(row)
                groups.setdefault("all", []).append(row)
        out[lang] = {kind: {"n": len(g), "answered": round(sum(r["short_answer"] is not None for r in g) / len(g), 4),
                            "exact_match": round(sum(r["exact_match"] for r in g) / len(g), 4),
                            "f1": round(sum(r["f1"] for r in g) / len(g), 4)} for kind, g in sorted(groups.items())}
    return out


def evaluate(questions: list[EvalQuestion], ask: Callable[[str], Answer],
             on_progress: Callable[[int, int], None] | None = None) -> dict:
    """Run every question through `ask` and compute the `rag eval` report."""
    per_question, ranked_rows, by_lang = [], [], {}
    abstention = {"unanswerable": 0, "abstained_correctly": 0, "answerable": 0, "abstained_wrongly": 0}
    matches = 0
    short_rows: list[tuple[str, dict]] = []
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
            matched = (not answer.abstained) and answer_matches(answer, [*q.answers, *q.answers_vi]) if q.answers else None
            matches += bool(matched)
            row.update(metrics=metrics, answer_match=matched)
            short = short_answer_scores(answer, q)
            if short is not None:
                row["short"] = short
                short_rows.append((q.lang, short))
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
        "short_answer": _short_summary(short_rows),
        "per_question": per_question,
    }

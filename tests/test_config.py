"""Settings from the environment."""

import pytest

from rag.config import DEFAULT_ABSTAIN_THRESHOLDS, Settings


def test_abstain_threshold_one_number_or_per_language(monkeypatch):
    monkeypatch.delenv("RAG_ABSTAIN_THRESHOLD", raising=False)
    assert Settings.from_env().abstain_thresholds == DEFAULT_ABSTAIN_THRESHOLDS
    monkeypatch.setenv("RAG_ABSTAIN_THRESHOLD", "0.9")
    assert Settings.from_env().abstain_thresholds == {"vi": 0.9, "en": 0.9}
    monkeypatch.setenv("RAG_ABSTAIN_THRESHOLD", "en=0.4")
    assert Settings.from_env().abstain_thresholds == {"vi": DEFAULT_ABSTAIN_THRESHOLDS["vi"], "en": 0.4}
    monkeypatch.setenv("RAG_ABSTAIN_THRESHOLD", "high")
    with pytest.raises(SystemExit, match="RAG_ABSTAIN_THRESHOLD"):
        Settings.from_env()

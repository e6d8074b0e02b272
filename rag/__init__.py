"""Answers questions about Vietnamese news articles with cited passages (see README)."""

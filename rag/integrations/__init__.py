"""Adapters that let other tools use the assistant (llama-index); nothing in rag/ imports them."""

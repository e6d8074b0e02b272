"""The Gradio chat page: a thin layer over rag.assistant and rag.chat."""

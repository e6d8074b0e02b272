"""A local GGUF model through llama-cpp-python, as a llama-index LLM (`pip install -e '.[local]'`).

Not llama-index-llms-llama-cpp: it turns chats into plain completions with its own
messages_to_prompt (ignoring the chat template stored in the GGUF) and downloads a default model
when the path is missing; `Llama.create_chat_completion` applies the GGUF's own template.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

from llama_cpp import Llama
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.custom import CustomLLM


class LlamaCppChat(CustomLLM):
    """Chat with a GGUF model using the chat template from its own metadata."""

    model_path: str
    context_window: int
    max_tokens: int
    temperature: float = 0.1
    _model: Llama = PrivateAttr()

    @classmethod
    def load(cls, path: Path, context_window: int, max_tokens: int) -> "LlamaCppChat":
        """Load the model on all cores; the window is capped at what the model was trained on."""
        model = Llama(model_path=str(path), n_ctx=context_window, n_threads=os.cpu_count(), verbose=False)
        llm = cls(model_path=str(path), context_window=model.n_ctx(), max_tokens=max_tokens)
        llm._model = model
        return llm

    @classmethod
    def class_name(cls) -> str:
        return "LlamaCppChat"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(context_window=self.context_window, num_output=self.max_tokens,
                           is_chat_model=True, model_name=Path(self.model_path).name)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _create(self, messages: Sequence[ChatMessage], stream: bool, **kwargs: Any) -> Any:
        return self._model.create_chat_completion(
            messages=[{"role": m.role.value, "content": m.content or ""} for m in messages],
            max_tokens=kwargs.get("max_tokens", self.max_tokens),
            temperature=kwargs.get("temperature", self.temperature),
            stream=stream,
        )

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        out = self._create(messages, stream=False, **kwargs)
        text = out["choices"][0]["message"]["content"] or ""
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), raw=out)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        def gen() -> ChatResponseGen:
            text = ""
            for chunk in self._create(messages, stream=True, **kwargs):
                delta = chunk["choices"][0]["delta"].get("content") or ""
                text += delta
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text),
                                   delta=delta, raw=chunk)

        return gen()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        response = self.chat([ChatMessage(role=MessageRole.USER, content=prompt)], **kwargs)
        return CompletionResponse(text=response.message.content or "", raw=response.raw)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        def gen() -> CompletionResponseGen:
            for response in self.stream_chat([ChatMessage(role=MessageRole.USER, content=prompt)], **kwargs):
                yield CompletionResponse(text=response.message.content or "", delta=response.delta)

        return gen()

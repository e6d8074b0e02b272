"""A local GGUF model as a llama-index LLM: llama-index-llms-llama-cpp's `LlamaCPP`, fed the
chat template stored in the GGUF itself (`pip install -e '.[local]'`).

`LlamaCPP` turns a chat into one completion prompt with its `messages_to_prompt`, whose default
is Llama-2's format whatever the model; every GGUF from a chat model carries its own template
(`tokenizer.chat_template`), so the prompt is rendered with it, as `Llama.create_chat_completion`
would. The model path is always given and checked first (rag/llm.py), so `LlamaCPP` never
downloads its default model.

`LlamaCPP.complete` ignores a call's `max_tokens` (the follow-up rewrite wants one line, not a
whole answer's budget) and `temperature` (a rewrite or a translation is greedy, so one question
is always searched the same way), and writes "stream" into the one `generate_kwargs` dict every
call shares; `GgufLLM` passes each call its own options instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from llama_cpp import Llama
from llama_cpp.llama_chat_format import Jinja2ChatFormatter
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, CompletionResponse, CompletionResponseGen
from llama_index.core.llms.callbacks import llm_completion_callback
from llama_index.llms.llama_cpp import LlamaCPP

TEMPERATURE = 0.1


def _token_text(model: Llama, token: int) -> str:
    return model.detokenize([token], special=True).decode("utf-8", errors="ignore") if token >= 0 else ""


def gguf_chat_prompt(model: Llama) -> tuple[Callable[[Sequence[ChatMessage]], str], list[str]] | None:
    """`messages_to_prompt` rendering the GGUF's own chat template, and its stop strings;
    None when the file has no template (then LlamaCPP's default format is all there is)."""
    template = model.metadata.get("tokenizer.chat_template")
    if not template:
        return None
    bos, eos = _token_text(model, model.token_bos()), _token_text(model, model.token_eos())
    # llama.cpp adds BOS itself when it tokenizes a completion prompt, if the model asks for it
    # (SmolLM2 does not, and its BOS is "<|im_start|>", which the template writes).
    adds_bos = bool(model.tokenize(b"", add_bos=True, special=True))
    formatter = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos, add_generation_prompt=True)

    def messages_to_prompt(messages: Sequence[ChatMessage]) -> str:
        rendered = formatter(messages=[{"role": m.role.value, "content": m.content or ""} for m in messages])
        prompt = rendered.prompt
        return prompt[len(bos):] if adds_bos and bos and prompt.startswith(bos) else prompt

    return messages_to_prompt, [eos] if eos else []


class GgufLLM(LlamaCPP):
    """`LlamaCPP` whose calls honour their own `max_tokens` (never above the configured one) and
    `temperature`."""

    def _generate(self, prompt: str, formatted: bool, stream: bool, call: dict[str, Any]) -> Any:
        options = {**self.generate_kwargs, "stream": stream}
        if call.get("max_tokens") is not None:
            options["max_tokens"] = min(int(call["max_tokens"]), self.max_new_tokens)
        if call.get("temperature") is not None:
            options["temperature"] = float(call["temperature"])
        return self._model(prompt=prompt if formatted else self.completion_to_prompt(prompt), **options)

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        response = self._generate(prompt, formatted, False, kwargs)
        return CompletionResponse(text=response["choices"][0]["text"], raw=response)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        pieces = self._generate(prompt, formatted, True, kwargs)

        def gen() -> CompletionResponseGen:
            text = ""
            for piece in pieces:
                delta = piece["choices"][0]["text"]
                text += delta
                yield CompletionResponse(delta=delta, text=text, raw=piece)

        return gen()


def load(path: Path, context_window: int, max_tokens: int) -> GgufLLM:
    """The model on all cores; its window is what llama.cpp granted (capped at the trained one)."""
    llm = GgufLLM(model_path=str(path), temperature=TEMPERATURE, max_new_tokens=max_tokens,
                   context_window=context_window, model_kwargs={"n_threads": os.cpu_count()}, verbose=False)
    chat = gguf_chat_prompt(llm._model)
    if chat is not None:
        messages_to_prompt, stop = chat
        llm.messages_to_prompt = messages_to_prompt
        llm.completion_to_prompt = lambda text: messages_to_prompt([ChatMessage(role="user", content=text)])
        llm.generate_kwargs["stop"] = stop
    return llm


def count_tokens(llm: GgufLLM) -> Callable[[str], int]:
    """The model's own token count (what the prompt builder trims passages by)."""
    return lambda text: len(llm._model.tokenize(text.encode("utf-8"), add_bos=False, special=False))

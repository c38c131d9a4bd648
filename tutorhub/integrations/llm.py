"""LlmClient: ask a model for one structured answer (a forced tool call whose input is the answer).

Pure transport: the caller owns the fixed system prompt, the user turn and the JSON schema, and
validates what comes back; this module only moves them through the official `anthropic` SDK and
turns every failure (timeout, connection, HTTP error such as a 529 overload, a reply without the
tool call) into `LlmError`, so the caller can fall back to its offline generator.

`get_llm_client()` is None without `ANTHROPIC_API_KEY`: the offline planner is the default. The SDK
reads `ANTHROPIC_BASE_URL` itself (tests point it at a local stand-in server). Retries are the
caller's (one retry with the validation errors), so the SDK's own are off: a timeout costs one
`llm_timeout_seconds`, not three.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import anthropic

from tutorhub.settings import get_settings

MAX_TOKENS = 4096


class LlmError(Exception):
    """The model could not be reached or gave no usable answer (the reason is the message)."""


@dataclass(frozen=True)
class Turn:
    role: str  # "user" | "assistant"
    content: Any  # text, or the SDK's content blocks (a tool call and its result on a retry)


class LlmClient(Protocol):
    name: str

    def call_tool(self, *, system: str, turns: list[Turn], tool_name: str, tool_description: str,
                  schema: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """The input of the forced tool call and its tool_use id; raises LlmError."""


class AnthropicClient:
    name = "claude"

    def __init__(self, *, api_key: str, model: str, timeout_seconds: float) -> None:
        self.model = model
        self._client = anthropic.Anthropic(api_key=api_key, timeout=timeout_seconds, max_retries=0)

    def call_tool(self, *, system: str, turns: list[Turn], tool_name: str, tool_description: str,
                  schema: dict[str, Any]) -> tuple[dict[str, Any], str]:
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": MAX_TOKENS,
            "system": system,
            "messages": [{"role": t.role, "content": t.content} for t in turns],
            "tools": [{"name": tool_name, "description": tool_description, "input_schema": schema}],
            "tool_choice": {"type": "tool", "name": tool_name},
        }
        try:
            reply = self._client.messages.create(**params)
        except anthropic.APITimeoutError as exc:
            raise LlmError("timeout") from exc
        except anthropic.APIStatusError as exc:
            raise LlmError(f"HTTP {exc.status_code}") from exc
        except anthropic.APIError as exc:  # connection errors, unreadable replies
            raise LlmError(type(exc).__name__) from exc
        for block in reply.content:
            if getattr(block, "type", "") == "tool_use" and getattr(block, "name", "") == tool_name:
                data = getattr(block, "input", None)
                if isinstance(data, dict):
                    return data, str(getattr(block, "id", ""))
        raise LlmError("no tool call in the reply")


def get_llm_client() -> LlmClient | None:
    """Claude when `ANTHROPIC_API_KEY` is set, otherwise None (the offline generators)."""
    settings = get_settings()
    if not settings.anthropic_api_key:
        return None
    return AnthropicClient(api_key=settings.anthropic_api_key, model=settings.llm_model,
                           timeout_seconds=float(settings.llm_timeout_seconds))

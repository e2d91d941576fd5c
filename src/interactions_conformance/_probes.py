"""Probe prompts: questions whose answers can be checked exactly.

Live models are not deterministic, so the suites ask what any capable model
answers the same way (DESIGN.md, "Probe prompts"): recall a code word, do
small arithmetic, call the declared function, answer as JSON, name the kind
of media attached. The emulator's probe model answers these too, so a test
passes on both and a checker bug cannot hide behind model noise. Prompts are
short: a live run must cost little.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

__all__ = [
    "CODE_WORD",
    "FIB_50",
    "MEDIA_KIND_PROMPT",
    "NAME",
    "PERSON_SCHEMA",
    "WEATHER_RESULT",
    "WEATHER_TOOL",
    "ask_code_word",
    "ask_name",
    "contains_answer",
    "introduce_name",
    "remember_code_word",
    "tiny_png",
]

NAME = "Zorblat"
CODE_WORD = "K7Q2"
FIB_50 = "12586269025"  # F(1) = F(2) = 1


def introduce_name(name: str = NAME) -> str:
    return f"Hi, my name is {name}. Reply with one short sentence."


def ask_name() -> str:
    return "What is my name? Answer with the name only."


def remember_code_word(code: str = CODE_WORD) -> str:
    return f"Remember the code word {code}. Reply with OK."


def ask_code_word() -> str:
    return "What is the code word? Answer with the code word only."


ARITHMETIC_PROMPT = "What is 17*23? Answer with the number only."
ARITHMETIC_ANSWER = "391"

FIB_PROMPT = (
    "Use code execution to compute the 50th Fibonacci number, with F(1)=1 and F(2)=1. "
    "Answer with the number only."
)

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "name": "get_weather",
    "description": "Gets the current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string", "description": "The city name"}},
        "required": ["location"],
    },
}
WEATHER_PROMPT = "What is the weather in Paris? Use the get_weather tool."
WEATHER_RESULT: dict[str, Any] = {"temperature_c": 21, "condition": "sunny"}

PERSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}
PERSON_PROMPT = "Describe a fictional person named Ada who is 36 years old, as JSON."

MEDIA_KIND_PROMPT = (
    "What kind of media is attached: image, audio, video or document? Answer with one word."
)
SEARCH_PROMPT = "Use Google Search: who won the 2022 FIFA World Cup? Answer in one short sentence."
URL_PROMPT = "Summarise https://example.com in one short sentence."
SHORT_PROMPT = "Say hello in three words."


def contains_answer(text: str, answer: str) -> bool:
    """The answer appears in the text, ignoring case and thousands separators."""
    flat = text.replace(",", "").replace("\u202f", "").lower()
    return answer.lower() in flat


def tiny_png(rgb: tuple[int, int, int] = (255, 0, 0), size: int = 8) -> bytes:
    """A valid PNG of one colour, built with the standard library."""
    row = b"\x00" + bytes(rgb) * size
    raw = row * size

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")

"""Secrets never written: scrub API keys from headers, URLs and bodies.

Every writer (cassettes, reports, logs, reproduction lines) passes what it
writes through here first; `find_secrets` is the scanner that proves none
slipped through.
"""

from __future__ import annotations

import re
import string
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "KEY_PLACEHOLDER",
    "SECRET_HEADERS",
    "KeyScrubber",
    "find_secrets",
    "register_secret",
    "scrub_headers",
    "scrub_text",
    "scrub_url",
]

KEY_PLACEHOLDER = "$GEMINI_API_KEY"
SECRET_HEADERS = frozenset({"x-goog-api-key", "authorization", "proxy-authorization", "cookie"})
_SECRET_QUERY = frozenset({"key", "api_key", "access_token"})
# The shape of a Google API key: "AIza" then 35 URL-safe characters.
GOOGLE_KEY = re.compile(r"AIza[0-9A-Za-z_\-]{35}")


# The run's own secrets (its keys, the values of secret-looking --header options), longest
# first so that a key holding another is replaced whole: every writer that scrubs text
# (reproduction lines, console output, cassettes) scrubs these too.
_REGISTERED: dict[str, str] = {}


def register_secret(value: str, placeholder: str = KEY_PLACEHOLDER) -> None:
    """Scrub ``value`` from every text from now on (short values are ignored: noise)."""
    if value and len(value) >= 6 and value not in _REGISTERED:
        _REGISTERED[value] = placeholder
        ordered = sorted(_REGISTERED.items(), key=lambda item: -len(item[0]))
        _REGISTERED.clear()
        _REGISTERED.update(ordered)


def scrub_text(text: str) -> str:
    for secret, placeholder in _REGISTERED.items():
        if secret in text:
            text = text.replace(secret, placeholder)
    return GOOGLE_KEY.sub(KEY_PLACEHOLDER, text)


def scrub_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        # An empty secret header holds nothing to hide: a placeholder would invent a key.
        name: (KEY_PLACEHOLDER if name.lower() in SECRET_HEADERS and value else scrub_text(value))
        for name, value in headers.items()
    }


def scrub_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return scrub_text(url)
    query = [
        (k, KEY_PLACEHOLDER if k.lower() in _SECRET_QUERY else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    rebuilt = urlunsplit(parts._replace(query=urlencode(query, safe="$")))
    return scrub_text(rebuilt)


def find_secrets(text: str, known: tuple[str, ...] = ()) -> list[str]:
    """Every substring of ``text`` that is a key: Google-shaped, or one of ``known``."""
    found = GOOGLE_KEY.findall(text)
    found.extend(k for k in known if k and k in text)
    return found


# What a key is made of (Google keys, OAuth tokens, Basic credentials in base64): an escape
# that spells one of these is part of the key it is in; any other character ends it.
_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "-_.~+/=")
# A JSON \uXXXX escape, JSON's optional \/ for "/", a URL %XX escape.
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\(/)|%([0-9a-fA-F]{2})")


def _unescape(match: re.Match[str]) -> str:
    hex_code, slash, percent = match.groups()
    if slash:
        return "/"
    return chr(int(hex_code or percent, 16))


def _key_char(match: re.Match[str]) -> str:
    """An escape of a key character, read; any other escape left as it is."""
    char = _unescape(match)
    return char if char in _KEY_CHARS else match.group(0)


def _escaped_runs(text: str) -> Iterable[tuple[int, int, str]]:
    """(start, end, decoded) of each run of key characters that spells some of them as escapes.

    Linear: runs are disjoint and each character is looked at a bounded number of times.
    """
    done = 0  # runs before this offset are already given
    for match in _ESCAPE.finditer(text):
        if match.start() < done or _unescape(match) not in _KEY_CHARS:
            continue
        start = match.start()
        while start > done and text[start - 1] in _KEY_CHARS:
            start -= 1
        parts: list[str] = [text[start : match.start()]]
        end = match.start()
        while end < len(text):
            if text[end] in _KEY_CHARS:
                parts.append(text[end])
                end += 1
                continue
            escape = _ESCAPE.match(text, end)
            if escape is None or (char := _unescape(escape)) not in _KEY_CHARS:
                break
            parts.append(char)
            end = escape.end()
        done = end
        yield start, end, "".join(parts)


class KeyScrubber:
    """Replaces the keys it was told about, and every Google-shaped key, by the placeholder.

    Escape-aware: a key echoed JSON-escaped (``\\u0041Iza...``, ``\\/``) or URL-escaped is
    found too. Bounded: it remembers the ``capacity`` keys learned last (least recently
    seen forgotten first), so the cost of one scrub never grows with the keys ever seen;
    a caller that must never miss one key passes it as ``extra`` on every call. Values
    shorter than ``min_length`` are not learned (scrubbing every "ab" from a recording
    would ruin it, and such a value is no key). Thread-safe.
    """

    def __init__(self, capacity: int = 64, *, min_length: int = 6) -> None:
        self.capacity = capacity
        self.min_length = min_length
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._keys)

    def learn(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                if len(key) < self.min_length:
                    continue
                self._keys[key] = None
                self._keys.move_to_end(key)
            while len(self._keys) > self.capacity:
                self._keys.popitem(last=False)

    def __call__(self, text: str, extra: Iterable[str] = ()) -> str:
        with self._lock:
            known = list(self._keys)
        keys = sorted(
            {*known, *(k for k in extra if len(k) >= self.min_length)}, key=len, reverse=True
        )  # a key inside a longer one: the longer first
        if ("\\" in text or "%" in text) and self._spelled_escaped(text, keys):
            text = self._escaped(text, keys)
        for key in keys:
            if key in text:
                text = text.replace(key, KEY_PLACEHOLDER)
        return scrub_text(text)

    @staticmethod
    def _spelled_escaped(text: str, keys: list[str]) -> bool:
        """Whether a key appears once escapes are read (one pass: the common answer is no)."""
        plain = _ESCAPE.sub(_key_char, text)
        if plain == text:
            return False
        return any(key in plain for key in keys) or GOOGLE_KEY.search(plain) is not None

    @staticmethod
    def _escaped(text: str, keys: list[str]) -> str:
        out: list[str] = []
        last = 0
        for start, end, decoded in _escaped_runs(text):
            scrubbed = decoded
            for key in keys:
                scrubbed = scrubbed.replace(key, KEY_PLACEHOLDER)
            scrubbed = scrub_text(scrubbed)
            if scrubbed != decoded:  # a key was there: the run goes out decoded, key replaced
                out += [text[last:start], scrubbed]
                last = end
        if not out:
            return text
        out.append(text[last:])
        return "".join(out)

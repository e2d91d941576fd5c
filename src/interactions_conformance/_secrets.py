"""Secrets never written: scrub API keys from headers, URLs and bodies.

Every writer (cassettes, reports, logs, reproduction lines) passes what it
writes through here first; `find_secrets` is the scanner that proves none
slipped through.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "KEY_PLACEHOLDER",
    "SECRET_HEADERS",
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

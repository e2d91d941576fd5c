"""`KeyScrubber`, the proxy's scrubber: escape-aware, and bounded in memory and cost."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interactions_conformance._secrets import KEY_PLACEHOLDER, KeyScrubber, find_secrets

KEY = "hostile/Key-0123456789+abcdef="
GOOGLE = "AIza" + "a1B2" * 8 + "xyz"


def _u(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in text)


@pytest.mark.parametrize(
    "echo",
    [
        KEY,
        KEY.replace("/", "\\/"),  # JSON's optional escape of "/"
        _u(KEY),  # every character escaped
        "\\u0068" + KEY[1:],  # one escaped
        _u(KEY[:5]) + KEY[5:].replace("/", "\\/"),
        "%68ostile%2FKey-0123456789%2Babcdef%3D",  # URL-escaped
        _u(GOOGLE[:4]) + GOOGLE[4:],  # a Google-shaped key, not learned
    ],
)
def test_a_key_is_scrubbed_however_it_is_escaped(echo: str) -> None:
    scrub = KeyScrubber()
    scrub.learn([KEY])
    text = f'{{"seen": "{echo}", "other": "keep\\n\\u00e9 %20 \\/x"}}'
    out = scrub(text)
    assert KEY_PLACEHOLDER in out
    assert find_secrets(out, known=(KEY,)) == []
    assert "keep\\n\\u00e9 %20 \\/x" in out  # what is not a key is left as it was
    decoded = json.loads(out)  # still JSON, and the key is not in what it decodes to
    assert KEY not in decoded["seen"]
    assert GOOGLE not in decoded["seen"]


@given(st.text(alphabet=st.sampled_from('ab\\u/%0123"{} 41'), max_size=60))
def test_text_without_a_key_is_left_unchanged(text: str) -> None:
    scrub = KeyScrubber()
    scrub.learn([KEY])
    assert scrub(text) == text


def test_it_remembers_the_last_keys_only_and_the_cost_of_a_scrub_stays_flat() -> None:
    text = "x" * 200_000 + KEY
    fresh, seasoned = KeyScrubber(capacity=64), KeyScrubber(capacity=64)
    last = [f"key-{i:06d}" for i in range(64)]
    fresh.learn(last)
    # (The same 64 last: the time of a search depends on the key's characters.)
    seasoned.learn([f"old-{i:06d}" for i in range(10_000)] + last)
    assert len(seasoned) == 64  # 10,064 keys seen, 64 kept

    # Interleaved, best of 15 each: the machine's load touches both alike.
    best = {id(fresh): float("inf"), id(seasoned): float("inf")}
    for _ in range(15):
        for scrub in (fresh, seasoned):
            started = time.perf_counter()
            scrub(text)
            best[id(scrub)] = min(best[id(scrub)], time.perf_counter() - started)
    assert best[id(seasoned)] < 3 * best[id(fresh)]  # the same work as with 64
    seasoned.learn([KEY])
    assert seasoned(text).endswith(KEY_PLACEHOLDER)  # the newest is always there
    assert seasoned("old-000001") == "old-000001"  # the oldest were forgotten


def test_an_exchanges_own_keys_are_scrubbed_even_when_forgotten() -> None:
    scrub = KeyScrubber(capacity=2)
    scrub.learn([KEY, "another-key-1", "another-key-2"])
    assert scrub(KEY) == KEY  # forgotten ...
    assert scrub(KEY, extra=[KEY]) == KEY_PLACEHOLDER  # ... but passed along by its exchange


def test_values_too_short_to_be_keys_are_not_learned() -> None:
    scrub = KeyScrubber()
    scrub.learn(["abc", ""])
    assert len(scrub) == 0
    assert scrub("abc abc") == "abc abc"

"""Secrets never written: scrubbing and the scanner."""

from __future__ import annotations

from interactions_conformance._secrets import find_secrets, scrub_headers, scrub_text, scrub_url

KEY = "AIza" + "a1B2" * 8 + "xyz"


def test_google_shaped_keys_are_scrubbed_from_text() -> None:
    assert len(KEY) == 39
    assert scrub_text(f'{{"k": "{KEY}"}}') == '{"k": "$GEMINI_API_KEY"}'
    assert find_secrets(scrub_text(KEY)) == []


def test_secret_headers_are_replaced_whatever_their_value_or_case() -> None:
    scrubbed = scrub_headers(
        {"X-Goog-Api-Key": "short-key", "Authorization": "Bearer t", "Accept": "x"}
    )
    assert scrubbed == {
        "X-Goog-Api-Key": "$GEMINI_API_KEY",
        "Authorization": "$GEMINI_API_KEY",
        "Accept": "x",
    }


def test_key_query_parameter_is_replaced() -> None:
    url = scrub_url("https://h/v1beta/interactions/x?key=plain-secret&stream=true")
    assert "plain-secret" not in url
    assert url == "https://h/v1beta/interactions/x?key=$GEMINI_API_KEY&stream=true"


def test_scanner_finds_shaped_and_known_keys() -> None:
    assert find_secrets(f"x {KEY} y") == [KEY]
    assert find_secrets("emulator-key here", known=("emulator-key",)) == ["emulator-key"]
    assert find_secrets("nothing") == []

"""Preflight: two cheap requests before any suite, so a wrong setup costs seconds, not a run.

A dead port, a TLS mismatch, a missing or refused key, a base URL with the wrong path, a
revision the target refuses and a server that accepts connections but never answers each end
the run before the first test with one line saying what happened and what to try (exit 2).

The requests cost no tokens: ``GET /v1beta/interactions/<an id nobody has>`` (a conforming
target answers 404 in the documented error body) and ``POST /v1beta/interactions`` with a body
that names neither model nor agent (a conforming target answers 400).
"""

from __future__ import annotations

import dataclasses
import json
import ssl
from collections.abc import Mapping

import httpx

__all__ = ["PreflightError", "preflight"]

PROBE_ID = "interactions-conformance-preflight-0"
# A preflight never waits long: a server that has not answered in this many seconds is hung.
PREFLIGHT_TIMEOUT = 5.0


class PreflightError(Exception):
    """The target cannot run the suites; the message is one line with what to try."""


@dataclasses.dataclass(frozen=True)
class _Answer:
    status: int
    code: str  # the documented error body's error.code/status, "" when the body is not one
    message: str
    content_type: str


def _answer(response: httpx.Response) -> _Answer:
    code, message = "", ""
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        code = str(error.get("code") or error.get("status") or "?")
        message = str(error.get("message") or "")
    return _Answer(
        response.status_code, code, message[:200], response.headers.get("content-type", "")
    )


def _send(
    client: httpx.Client, method: str, url: str, base_url: str, timeout: float, **kwargs: object
) -> _Answer:
    try:
        return _answer(client.request(method, url, **kwargs))  # type: ignore[arg-type]
    except httpx.ConnectTimeout as exc:
        raise PreflightError(
            f"preflight: {base_url} did not accept a connection within {timeout:g} s "
            "(a firewall, or the wrong host): check the address"
        ) from exc
    except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout) as exc:
        raise PreflightError(
            f"preflight: {base_url} accepted the connection but sent no answer within "
            f"{timeout:g} s (a hung server): check that the server is up and not stuck, "
            "or raise --request-timeout"
        ) from exc
    except httpx.ConnectError as exc:
        if isinstance(exc.__context__, ssl.SSLError) or "SSL" in str(exc) or "TLS" in str(exc):
            hint = (
                "the server speaks plain HTTP: use http://"
                if base_url.startswith("https://")
                else "check the certificate (is the host name the one it was issued for?)"
            )
            raise PreflightError(
                f"preflight: TLS handshake with {base_url} failed ({exc}): {hint}"
            ) from exc
        raise PreflightError(
            f"preflight: cannot connect to {base_url} ({exc}): is the server running, "
            "and are the host and port right?"
        ) from exc
    except httpx.RemoteProtocolError as exc:
        hint = (
            "the server may speak TLS: use https://"
            if base_url.startswith("http://")
            else "is it an HTTP server?"
        )
        raise PreflightError(
            f"preflight: {base_url} broke the HTTP exchange ({exc}): {hint}"
        ) from exc
    except httpx.HTTPError as exc:
        raise PreflightError(f"preflight: request to {base_url} failed: {exc}") from exc


def preflight(
    base_url: str,
    api_key: str | None,
    *,
    api_revision: str | None = None,
    revision: str = "",
    headers: Mapping[str, str] | None = None,
    timeout: float = PREFLIGHT_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
) -> None:
    """Raise `PreflightError` when the target at ``base_url`` cannot run the suites."""
    base_url = base_url.rstrip("/")
    sent = {"content-type": "application/json", **dict(headers or {})}
    if api_revision:
        sent["api-revision"] = api_revision
    if api_key:
        sent["x-goog-api-key"] = api_key
    with httpx.Client(timeout=timeout, headers=sent, transport=transport) as client:
        url = f"{base_url}/v1beta/interactions/{PROBE_ID}"
        got = _send(client, "GET", url, base_url, timeout)
        _check_auth(got, base_url, api_key)
        _check_path(got, base_url)
        created = _send(
            client,
            "POST",
            f"{base_url}/v1beta/interactions",
            base_url,
            timeout,
            content=b'{"input": "preflight: neither model nor agent, so nothing is generated"}',
        )
        _check_auth(created, base_url, api_key)
        _check_revision(created, base_url, revision)


def _check_auth(got: _Answer, base_url: str, api_key: str | None) -> None:
    if got.status not in (401, 403):
        return
    said = f" ({got.message})" if got.message else ""
    if not api_key:
        raise PreflightError(
            f"preflight: {base_url} wants an API key (HTTP {got.status} without one{said}): "
            "pass --api-key or set GEMINI_API_KEY (a gateway's own auth: --header 'Name: value')"
        )
    raise PreflightError(
        f"preflight: {base_url} refused the API key (HTTP {got.status}{said}): "
        "check --api-key / GEMINI_API_KEY, and --header for a gateway's own auth"
    )


def _check_path(got: _Answer, base_url: str) -> None:
    if got.status >= 500:
        raise PreflightError(
            f"preflight: {base_url} answered HTTP {got.status} to a GET of an unknown "
            f"interaction{f' ({got.message})' if got.message else ''}: the server is failing"
        )
    wrong_path = got.status in (404, 405) and (not got.code or "route" in got.message.lower())
    if not wrong_path:
        return
    hint = "the base URL is the origin the API is served under, e.g. http://127.0.0.1:8080"
    if base_url.endswith(("/v1beta", "/v1beta/interactions", "/v1")):
        hint = f"drop the API path: --target {base_url.rsplit('/v1', 1)[0]}"
    said = got.message or (
        f"{got.content_type.split(';')[0] or 'no content type'}, not the documented error body"
    )
    raise PreflightError(
        f"preflight: nothing serves the Interactions API at {base_url}/v1beta/interactions "
        f"(HTTP {got.status}: {said}): {hint}"
    )


def _check_revision(got: _Answer, base_url: str, revision: str) -> None:
    text = got.message.lower()
    if got.status == 400 and ("legacy" in text or "revision" in text):
        other = "2026-05" if revision != "2026-05" else "2025-12"
        raise PreflightError(
            f"preflight: {base_url} refuses revision {revision or '?'} ({got.message}): "
            f"try --revision {other}"
        )

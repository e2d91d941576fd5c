"""The emulator as a real server: uvicorn in a thread, the ``serve`` command, many clients at once."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
import pytest

from interactions_conformance.emulator import FAULTS, running_emulator
from interactions_conformance.emulator._serve import list_faults

KEY = {"x-goog-api-key": "emulator-key"}
MODEL = "gemini-2.5-flash"


def test_serve_starts_fast_prints_url_and_keys() -> None:
    started = time.monotonic()
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "interactions_conformance._cli",
            "serve",
            "--port",
            "0",
            "--test-control",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        _check_served(proc, started)


def _check_served(proc: subprocess.Popen[str], started: float) -> None:
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        keys = proc.stdout.readline()
        assert line.startswith("interactions-conformance emulator on http://127.0.0.1:"), line
        assert "emulator-key, emulator-key-2" in keys
        url = line.split(" on ", 1)[1].strip()
        deadline = time.monotonic() + 5
        while True:
            try:
                response = httpx.post(
                    f"{url}/v1beta/interactions", json={"model": MODEL, "input": "hi"}, headers=KEY
                )
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.02)
        elapsed = time.monotonic() - started
        assert response.status_code == 200
        assert elapsed < 2.0, f"startup took {elapsed:.2f} s"
        assert httpx.post(f"{url}/__emulator/clock", json={"advance_seconds": 1}).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_list_faults_names_each_fault_with_its_rules() -> None:
    listing = list_faults()
    for fault in FAULTS.values():
        assert fault.name in listing
        assert " ".join(fault.rules) in listing
    proc = subprocess.run(
        [sys.executable, "-m", "interactions_conformance._cli", "serve", "--list-faults"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 0
    assert "stream-no-start" in proc.stdout


def test_serve_rejects_an_unknown_fault() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "interactions_conformance._cli", "serve", "--fault", "nope"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 2
    assert "unknown fault mode 'nope'" in proc.stderr


def _events(text: str) -> list[dict[str, Any]]:
    out = []
    for block in text.split("\n\n"):
        for line in block.splitlines():
            if line.startswith("data: ") and line != "data: [DONE]":
                out.append(json.loads(line[6:]))
    return out


def test_twenty_concurrent_clients() -> None:
    """Clients create, stream, chain, run background jobs and poll at once; afterwards every
    stored interaction is retrievable, owned by its key, and says what it was asked."""
    created: list[tuple[str, str, str]] = []  # (key, id, expected text)
    failures: list[str] = []
    lock = threading.Lock()
    # The clients read outputs (2025-12); header-less, they would get the newest revision.
    with running_emulator(agent_seconds=0.3, background_seconds=0.1, revision="2025-12") as url:

        def worker(n: int) -> None:
            key = {"x-goog-api-key": "emulator-key" if n % 2 else "emulator-key-2"}
            try:
                with httpx.Client(base_url=url, headers=key, timeout=30) as client:
                    deadline = time.monotonic() + 2.0
                    round_ = 0
                    while time.monotonic() < deadline and round_ < 8:
                        a, b = n + 2, round_ + 3
                        prompt = f"What is {a}*{b}? Answer with the number only."
                        mode = (n + round_) % 4
                        if mode == 0:
                            body = client.post(
                                "/v1beta/interactions", json={"model": MODEL, "input": prompt}
                            ).json()
                        elif mode == 1:
                            text = client.post(
                                "/v1beta/interactions",
                                json={"model": MODEL, "input": prompt, "stream": True},
                            ).text
                            body = {"id": _events(text)[0]["interaction"]["id"]}
                        elif mode == 2:
                            first = client.post(
                                "/v1beta/interactions",
                                json={
                                    "model": MODEL,
                                    "input": f"Remember the code word C{n}R{round_}.",
                                },
                            ).json()
                            body = client.post(
                                "/v1beta/interactions",
                                json={
                                    "model": MODEL,
                                    "input": prompt,
                                    "previous_interaction_id": first["id"],
                                },
                            ).json()
                        else:
                            body = client.post(
                                "/v1beta/interactions",
                                json={"model": MODEL, "input": prompt, "background": True},
                            ).json()
                            while (
                                client.get(f"/v1beta/interactions/{body['id']}").json()["status"]
                                == "in_progress"
                            ):
                                time.sleep(0.05)
                        with lock:
                            created.append((key["x-goog-api-key"], body["id"], str(a * b)))
                        round_ += 1
            except Exception as exc:  # collected and reported by the main thread
                with lock:
                    failures.append(f"worker {n}: {exc!r}")

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not failures, failures
        assert len(created) >= 40
        with httpx.Client(base_url=url, timeout=30) as client:
            for key, interaction_id, answer in created:
                response = client.get(
                    f"/v1beta/interactions/{interaction_id}", headers={"x-goog-api-key": key}
                )
                assert response.status_code == 200, response.text
                body = response.json()
                assert body["status"] == "completed"
                assert body["outputs"][-1]["text"] == answer
                other = "emulator-key-2" if key == "emulator-key" else "emulator-key"
                assert (
                    client.get(
                        f"/v1beta/interactions/{interaction_id}", headers={"x-goog-api-key": other}
                    ).status_code
                    == 404
                )


@pytest.mark.parametrize("fault", ["stream-no-start"])
def test_running_emulator_accepts_the_plugin_arguments(fault: str) -> None:
    with running_emulator(
        api_keys=["k1", "k2"], faults=[fault], tier="paid", test_control=True
    ) as url:
        text = httpx.post(
            f"{url}/v1beta/interactions",
            json={"model": MODEL, "input": "hi", "stream": True},
            headers={"x-goog-api-key": "k2"},
        ).text
        assert _events(text)[0]["event_type"] != "interaction.start"
        assert httpx.post(f"{url}/__emulator/clock", json={"advance_seconds": 5}).status_code == 200

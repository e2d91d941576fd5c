"""Targets and their profiles.

A target is a base URL, credentials and a capability profile (DESIGN.md).
The profile is a small TOML file: what the target supports (an unsupported
feature is skipped with its reason) and which rules it is known to break
(a known deviation tolerates that rule's violations alone, `_verdicts.py`;
a deviation that held is reported as fixed). A deviation naming no rule is
refused with the closest rule ids.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 has no tomllib
    import tomli as tomllib

__all__ = ["LIVE_BASE_URL", "Profile", "ProfileError", "builtin_profile", "load_profile"]

LIVE_BASE_URL = "https://generativelanguage.googleapis.com"
_PROFILES = Path(__file__).with_name("profiles")

# Every feature a profile may declare, with what it means. A suite test that
# needs one says so with @pytest.mark.feature("name").
FEATURES: dict[str, str] = {
    "agents": "the deep research agent as a background job",
    "background": "background=true for model interactions",
    "cancel": "POST /interactions/{id}/cancel",
    "image_output": "response_modalities IMAGE on an image model",
    "multimodal_input": "image, audio, video and document inputs",
    "builtin_tools": "google_search, code_execution and url_context",
    "mcp": "remote MCP servers (mcp_server tool)",
    "structured_output": "response_format",
    "streaming": "stream=true on create",
    "resume": "GET ?stream=true&last_event_id= (event ids on every event)",
    "files": "the Files API (upload, ACTIVE, uri usable in content)",
    "test_control": "an emulator-only clock endpoint for retention checks",
    "second_key": "a second API key for isolation tests",
    "strict_fields": "unknown request fields are rejected",
}


class ProfileError(Exception):
    """A profile file is missing or malformed."""


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    description: str = ""
    tier: str = "free"
    features: dict[str, bool] = dataclasses.field(default_factory=dict)
    unsupported_reasons: dict[str, str] = dataclasses.field(default_factory=dict)
    deviations: dict[str, str] = dataclasses.field(default_factory=dict)
    models: dict[str, str] = dataclasses.field(default_factory=dict)
    max_output_tokens: int = 64
    # The spec revision the target speaks when --revision is not given; None = the default.
    revision: str | None = None
    path: str = ""

    def supports(self, feature: str) -> bool:
        return self.features.get(feature, False)

    def why_unsupported(self, feature: str) -> str:
        return self.unsupported_reasons.get(
            feature,
            f"the {self.name} profile does not declare feature {feature!r} ({FEATURES.get(feature, '?')})",
        )

    def model(self, role: str = "default") -> str:
        return self.models.get(role, self.models.get("default", "gemini-2.5-flash-lite"))

    @classmethod
    def from_data(cls, data: dict[str, Any], path: str = "") -> Profile:
        allowed = {
            "name",
            "description",
            "tier",
            "features",
            "unsupported",
            "deviations",
            "models",
            "limits",
            "revision",
        }
        unknown = set(data) - allowed
        if unknown:
            raise ProfileError(
                f"{path or 'profile'}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}"
            )
        features = data.get("features", {})
        bad = [f for f in features if f not in FEATURES]
        if bad:
            raise ProfileError(
                f"{path or 'profile'}: unknown features {bad}; known: {sorted(FEATURES)}"
            )
        if not all(isinstance(v, bool) for v in features.values()):
            raise ProfileError(f"{path or 'profile'}: [features] values must be true or false")
        tier = data.get("tier", "free")
        if tier not in ("free", "paid"):
            raise ProfileError(f"{path or 'profile'}: tier must be 'free' or 'paid', not {tier!r}")
        deviations = {str(k): str(v) for k, v in data.get("deviations", {}).items()}
        _check_deviations(deviations, path)
        revision = data.get("revision")
        if revision is not None and not isinstance(revision, str):
            raise ProfileError(f'{path or "profile"}: revision must be a string like "2026-05"')
        return cls(
            name=str(data.get("name", Path(path).stem or "custom")),
            description=str(data.get("description", "")),
            tier=tier,
            features=dict(features),
            unsupported_reasons={str(k): str(v) for k, v in data.get("unsupported", {}).items()},
            deviations=deviations,
            models={str(k): str(v) for k, v in data.get("models", {}).items()},
            max_output_tokens=int(data.get("limits", {}).get("max_output_tokens", 64)),
            revision=revision,
            path=path,
        )


def _check_deviations(deviations: dict[str, str], path: str) -> None:
    """Every deviation names a rule of some revision: a typo would silently tolerate nothing."""
    if not deviations:
        return
    from ._spec import available_revisions, load_revision
    from ._verdicts import unknown_deviations

    known = {rule for name in available_revisions() for rule in load_revision(name).rules}
    problems = unknown_deviations(deviations, known)
    if problems:
        raise ProfileError(f"{path or 'profile'}: [deviations]: {'; '.join(problems)}")


def load_profile(path: str | Path) -> Profile:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ProfileError(f"cannot read profile {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"profile {path} is not valid TOML: {exc}") from exc
    return Profile.from_data(data, str(path))


def builtin_profile(name: str) -> Profile:
    """One of the profiles shipped with the package: emulator, live-free, live-paid, third-party."""
    path = _PROFILES / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in _PROFILES.glob("*.toml")))
        raise ProfileError(f"no built-in profile {name!r}; known: {known}")
    return load_profile(path)

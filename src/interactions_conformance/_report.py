"""Reports over results files: several runs side by side, and what changed between two.

A results file is what the plugin writes (``--results``; its format is
``results.schema.json`` beside this module, checked on reading). A report
takes one or more of them and shows:

* the runs, each with a letter (A, B, ...) and a label read from the file
  (target name, profile when it differs, ``[faults]``);
* the score per area and overall, side by side: pass rate (rules that held
  / applicable rules), MUST pass rate, and coverage (rules exercised /
  applicable rules), the formula of `_verdicts.score`: a skipped rule and a
  rule not exercised are applicable and did not hold, so declaring fewer
  features or reaching fewer rules never raises a score; a run whose coverage
  is below the threshold or that spent its token budget is labelled
  INCOMPLETE;
* the rule-by-run matrix, rules grouped by area in the revision's order;
* drift, per run;
* every failure with its evidence and its reproduction (a ``curl`` line);
* with exactly two runs, what changed from the first (old) to the second
  (new): newly failing, newly passing, newly skipped, newly drifting.

Three renderings of one `Report`: text (terminal), Markdown, and one
self-contained HTML file (inline CSS, no network; a few lines of optional
JavaScript filter the matrix, and everything reads without them).
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._secrets import scrub_text
from ._verdicts import STATUSES, Score, incomplete_reasons, percent, score

__all__ = [
    "STATUSES",
    "Comparison",
    "Report",
    "ReportError",
    "Run",
    "compare",
    "load_run",
    "render_html",
    "render_markdown",
    "render_text",
    "results_schema",
]

SCHEMA_PATH = Path(__file__).with_name("results.schema.json")
# One symbol per status, the same in every rendering (text keeps to ASCII).
TEXT_SYMBOL = {
    "passed": "ok",
    "failed": "FAIL",
    "deviation": "dev",
    "deviation fixed": "fixed",
    "skipped": "skip",
    "not exercised": "-",
    "absent": " ",
}
SYMBOL = {
    "passed": "✓",
    "failed": "✗",
    "deviation": "≈",
    "deviation fixed": "⚑",
    "skipped": "⊘",
    "not exercised": "·",
    "absent": "",
}
MEANING = {
    "passed": "passed",
    "failed": "failed",
    "deviation": "known deviation (violated, as the profile says)",
    "deviation fixed": "deviation fixed (the profile's deviation held: remove it)",
    "skipped": "skipped: unsupported by the target",
    "not exercised": "not exercised",
    "absent": "not in this run's revision",
}


class ReportError(Exception):
    """A results file cannot be read (the message names the file and what is wrong)."""


@cache
def results_schema() -> dict[str, Any]:
    """The JSON Schema of a results file."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text("utf-8"))
    return schema


def load_run(path: Path) -> dict[str, Any]:
    """A results file, validated against ``results.schema.json``."""
    import jsonschema

    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ReportError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ReportError(f"{path}: not JSON: {exc}") from exc
    validator = jsonschema.Draft202012Validator(results_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        raise ReportError(
            f"{path}: not a results file (results.schema.json): at {where}: {error.message}"
        )
    if not isinstance(data, dict):  # pragma: no cover - the schema says object
        raise ReportError(f"{path}: not a results file")
    return data


def _label(data: Mapping[str, Any]) -> str:
    target = data["target"]
    name = str(target["name"])
    if name.startswith(("http://", "https://")):
        name = urlsplit(name).netloc or name
    profile = str(target.get("profile") or "")
    label = name if not profile or profile == name else f"{name} ({profile})"
    faults = [str(f) for f in target.get("faults") or ()]
    if faults:
        label += f" [{', '.join(faults)}]"
    if data.get("strict_schema"):
        label += " strict"
    return label


def _letter(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _drift_key(item: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """Drift compared across runs: array indices in the pointer do not matter."""
    where = re.sub(r"/\d+(?=/|$)", "/*", str(item.get("where", "")))
    where = re.sub(r"^event \d+", "event *", where)
    return (str(item.get("what")), str(item.get("name")), where, str(item.get("schema")))


@dataclasses.dataclass(frozen=True)
class Run:
    """One results file in a report."""

    key: str  # A, B, ...
    path: Path
    data: Mapping[str, Any]

    @property
    def label(self) -> str:
        return _label(self.data)

    @property
    def rules(self) -> Mapping[str, Mapping[str, Any]]:
        rules: Mapping[str, Mapping[str, Any]] = self.data["rules"]
        return rules

    def status(self, rule: str) -> str:
        entry = self.rules.get(rule)
        return str(entry["status"]) if entry else "absent"

    @property
    def drift(self) -> list[Mapping[str, Any]]:
        return list(self.data.get("drift") or ())

    def summary_line(self) -> str:
        counts = self.data["summary"]
        parts = [f"{counts.get(s, 0)} {s}" for s in STATUSES if s != "deviation fixed"]
        if counts.get("deviation fixed"):
            parts.insert(3, f"{counts['deviation fixed']} deviation fixed")
        return f"{', '.join(parts)}; drift {len(self.drift)}"

    def score(self, rules: Iterable[str] | None = None) -> Score:
        """The score of some of this run's rules (all of them by default)."""
        entries = (
            self.rules.values()
            if rules is None
            else (self.rules[r] for r in rules if r in self.rules)
        )
        return score(entries)

    @property
    def incomplete(self) -> list[str]:
        """Why the run is incomplete: as the file says, else from its coverage (format 1)."""
        if "complete" in self.data:
            return [str(r) for r in self.data.get("incomplete") or ()]
        return incomplete_reasons(self.score())

    def score_line(self) -> str:
        s = self.score()
        line = (
            f"held {s.passed}/{s.applicable} ({percent(s.pass_rate)}), "
            f"MUST {s.must_passed}/{s.must_applicable} ({percent(s.must_rate)}), "
            f"coverage {s.exercised}/{s.applicable} ({percent(s.coverage)})"
        )
        return line + (" INCOMPLETE" if self.incomplete else "")


@dataclasses.dataclass
class Comparison:
    """What changed from an old run to a new one."""

    old: Run
    new: Run
    newly_failing: list[str] = dataclasses.field(default_factory=list)
    newly_passing: list[str] = dataclasses.field(default_factory=list)
    newly_skipped: list[str] = dataclasses.field(default_factory=list)
    other: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)  # rule, old, new
    newly_drifting: list[Mapping[str, Any]] = dataclasses.field(default_factory=list)
    drift_gone: list[Mapping[str, Any]] = dataclasses.field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return not (
            self.newly_failing
            or self.newly_passing
            or self.newly_skipped
            or self.other
            or self.newly_drifting
            or self.drift_gone
        )


def compare(old: Run, new: Run) -> Comparison:
    """Rule by rule and drift by drift, what the new run does differently."""
    result = Comparison(old, new)
    for rule in sorted(set(old.rules) | set(new.rules)):
        before, after = old.status(rule), new.status(rule)
        if before == after:
            continue
        if after == "failed":
            result.newly_failing.append(rule)
        elif after == "passed":
            result.newly_passing.append(rule)
        elif after == "skipped":
            result.newly_skipped.append(rule)
        else:
            result.other.append((rule, before, after))
    old_drift = {_drift_key(d) for d in old.drift}
    new_drift = {_drift_key(d) for d in new.drift}
    seen: set[tuple[str, str, str, str]] = set()
    for item in new.drift:
        key = _drift_key(item)
        if key not in old_drift and key not in seen:
            seen.add(key)
            result.newly_drifting.append(item)
    for item in old.drift:
        key = _drift_key(item)
        if key not in new_drift and key not in seen:
            seen.add(key)
            result.drift_gone.append(item)
    return result


def _revision_areas(names: Iterable[str]) -> dict[str, str]:
    """Area id -> title, in the catalogue's order, for the revisions of the runs."""
    from ._spec import SpecError, load_revision

    areas: dict[str, str] = {}
    for name in names:
        try:
            revision = load_revision(name)
        except SpecError:
            continue
        for area, title in revision.areas.items():
            areas.setdefault(area, title)
    return areas


class Report:
    """Several runs, their rules grouped by area, and (for two) their comparison."""

    def __init__(self, runs: Sequence[tuple[Path, Mapping[str, Any]]]) -> None:
        if not runs:
            raise ValueError("a report needs at least one results file")
        self.runs = [Run(_letter(i), path, data) for i, (path, data) in enumerate(runs)]
        self.rule_info: dict[str, Mapping[str, Any]] = {}
        for run in self.runs:
            for rule, entry in run.rules.items():
                self.rule_info.setdefault(rule, entry)
        titles = _revision_areas(dict.fromkeys(str(r.data["revision"]) for r in self.runs))
        used = {str(info.get("area") or "other") for info in self.rule_info.values()}
        order = [a for a in titles if a in used] + sorted(used - set(titles))
        self.area_titles = {a: titles.get(a, "") for a in order}
        self.by_area: dict[str, list[str]] = {a: [] for a in order}
        for rule in sorted(self.rule_info):
            self.by_area[str(self.rule_info[rule].get("area") or "other")].append(rule)
        self.comparison = compare(self.runs[0], self.runs[1]) if len(self.runs) == 2 else None

    def scored_areas(self) -> list[str]:
        """The areas with an applicable rule in some run (the others would be rows of "-")."""
        return [a for a in self.by_area if any(self.score(r, a).applicable for r in self.runs)]

    def score(self, run: Run, area: str | None = None) -> Score:
        """The score of one run, in one area or over every rule."""
        return run.score(self.by_area[area] if area is not None else None)

    def failures(self, run: Run) -> list[str]:
        """The rules a run failed (known deviations included), in area order."""
        return [
            rule
            for rules in self.by_area.values()
            for rule in rules
            if run.status(rule) in ("failed", "deviation")
        ]


def _fraction(score: Score) -> str:
    return f"{score.passed}/{score.applicable}" if score.applicable else "-"


def _rates(score: Score) -> tuple[str, str, str]:
    """pass rate, MUST rate, coverage: as percentages, "-" where nothing is applicable."""
    if not score.applicable:
        return "-", "-", "-"
    return percent(score.pass_rate), percent(score.must_rate), percent(score.coverage)


def _evidence_line(item: Mapping[str, Any]) -> str:
    if item.get("kind") == "violation":
        where = f"{item.get('where')}: " if item.get("where") else ""
        return f"{where}expected {item.get('expected')}, got {item.get('actual')}"
    return str(item.get("message", ""))


def _drift_text(item: Mapping[str, Any]) -> str:
    name = json.dumps(item.get("name"), ensure_ascii=False)
    return f"unknown {item.get('what')} {name} at {item.get('where') or '/'} ({item.get('schema')})"


# -- text -------------------------------------------------------------------------------


def _fit(line: str, width: int) -> str:
    return line if len(line) <= width else line[: width - 3] + "..."


def render_text(report: Report, *, width: int = 80) -> str:
    """The terminal summary: runs, scores per area, failures, drift, changes."""
    out: list[str] = []
    runs = report.runs
    revisions = sorted({str(r.data["revision"]) for r in runs})
    out.append(
        f"interactions-conformance report: {len(runs)} run{'s' if len(runs) != 1 else ''}, "
        f"revision {', '.join(revisions)}"
    )
    out.append("")
    for run in runs:
        out.append(_fit(f"  {run.key}  {run.label}", width))
        out.append(_fit(f"     {run.path.name}, finished {run.data['finished']}", width))
        out.append(_fit(f"     {run.summary_line()}", width))
        out.append(_fit(f"     {run.score_line()}", width))
        for reason in run.incomplete:
            out.append(_fit(f"     incomplete: {reason}", width))
    out.append("")
    out.append(f"  {'score (% of applicable rules)':<30}" + "".join(f"{r.key:>16}" for r in runs))
    out.append(f"  {'':<30}" + "   pass MUST  cov" * len(runs))
    for area in [*report.scored_areas(), None]:
        cells = "".join(
            " " + "".join(f"{rate:>5}" for rate in _rates(report.score(r, area))) for r in runs
        )
        out.append(f"  {area or 'all':<30}" + "".join(f" {cells}"[1:]))
    for run in runs:
        failures = report.failures(run)
        if not failures:
            continue
        out.append("")
        out.append(f"failures in {run.key} ({len(failures)})")
        for rule in failures:
            entry = run.rules[rule]
            tag = " (known deviation)" if entry["status"] == "deviation" else ""
            out.append(_fit(f"  {rule}{tag}", width))
            for item in list(entry.get("evidence") or ())[:1]:
                out.append(_fit(f"    {scrub_text(_evidence_line(item))}", width))
    drifting = [r for r in runs if r.drift]
    if drifting:
        out.append("")
        out.append("drift")
        for run in drifting:
            for item in run.drift:
                out.append(_fit(f"  {run.key}  {_drift_text(item)}", width))
    if report.comparison is not None:
        out.append("")
        out.extend(_text_comparison(report.comparison, width))
    return "\n".join(out) + "\n"


def _text_comparison(diff: Comparison, width: int) -> list[str]:
    out = [f"changes from {diff.old.key} to {diff.new.key}"]
    if diff.unchanged:
        out.append("  none: every rule has the same status, and the drift is the same")
        return out
    transitions: dict[str, list[str]] = {}
    for rule, before, after in diff.other:
        transitions.setdefault(f"{before} -> {after}", []).append(rule)
    groups: list[tuple[str, list[str]]] = [
        ("newly failing", diff.newly_failing),
        ("newly passing", diff.newly_passing),
        ("newly skipped", diff.newly_skipped),
        *transitions.items(),
        ("newly drifting", [_drift_text(d) for d in diff.newly_drifting]),
        ("drift gone", [_drift_text(d) for d in diff.drift_gone]),
    ]
    for title, items in groups:
        if not items:
            continue
        out.append(f"  {title} ({len(items)})")
        if title in ("newly drifting", "drift gone"):
            out.extend(_fit(f"    {item}", width) for item in items)
        else:
            out.extend(
                textwrap.wrap(
                    ", ".join(items),
                    width=width,
                    initial_indent="    ",
                    subsequent_indent="    ",
                    break_on_hyphens=False,
                )
            )
    return out


# -- Markdown ---------------------------------------------------------------------------


def _md(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    value = scrub_text(str(text)).replace("\n", " ").replace("|", "\\|")
    return value.replace("<", "&lt;").replace(">", "&gt;")


def _anchor(*parts: str) -> str:
    return "-".join(re.sub(r"[^a-z0-9]+", "-", p.lower()).strip("-") for p in parts)


def _legend() -> str:
    return ", ".join(f"{SYMBOL[s]} {MEANING[s]}" for s in STATUSES)


def render_markdown(report: Report) -> str:
    """The report as one Markdown document (GitHub-flavoured tables)."""
    runs = report.runs
    out = ["# interactions-conformance report", ""]
    out += ["| run | target | revision | finished | summary |", "|---|---|---|---|---|"]
    for run in runs:
        data = run.data
        target = data["target"]
        out.append(
            f"| **{run.key}** | {_md(run.label)}<br>`{_md(target.get('base_url') or '')}` | "
            f"{_md(data['revision'])} | {_md(data['finished'])} | {_md(run.summary_line())} |"
        )
    for run in runs:
        if run.incomplete:
            out += ["", f"**{run.key} is INCOMPLETE**: {_md('; '.join(run.incomplete))}"]
    out += [
        "",
        "## Score per area",
        "",
        SCORE_FORMULA,
        "",
    ]
    out.append(
        "| area | "
        + " | ".join(f"{r.key} held | {r.key} MUST | {r.key} coverage" for r in runs)
        + " |"
    )
    out.append("|---|" + "---:|---:|---:|" * len(runs))
    for area in [*report.scored_areas(), None]:
        cells = " | ".join(" | ".join(_md_score(report.score(r, area))) for r in runs)
        name = f"[{area}](#{_anchor('area', area)})" if area else "**all**"
        out.append(f"| {name} | {cells} |")
    if report.comparison is not None:
        out += ["", *_md_comparison(report.comparison)]
    out += ["", "## Rules", "", f"Legend: {_legend()}.", ""]
    for area, rules in report.by_area.items():
        title = report.area_titles.get(area)
        out += [f'<a id="{_anchor("area", area)}"></a>', ""]
        out += [f"### {area}" + (f": {title}" if title else ""), ""]
        out.append("| rule | level | " + " | ".join(r.key for r in runs) + " | statement |")
        out.append("|---|---|" + ":---:|" * len(runs) + "---|")
        for rule in rules:
            info = report.rule_info[rule]
            marks = []
            for run in runs:
                status = run.status(rule)
                symbol = SYMBOL[status]
                if status in ("failed", "deviation"):
                    symbol = f"[{symbol}](#{_anchor('fail', run.key, rule)})"
                marks.append(symbol)
            out.append(
                f"| `{rule}` | {_md(info.get('level', ''))} | {' | '.join(marks)} | "
                f"{_md(info.get('statement', ''))} |"
            )
        out.append("")
    out += ["## Drift", ""]
    if not any(r.drift for r in runs):
        out += ["No run saw drift.", ""]
    for run in runs:
        if run.drift:
            out += [f"**{run.key}** ({_md(run.label)}):", ""]
            out += [f"- {_md(_drift_text(d))}" for d in run.drift]
            out.append("")
    out += ["## Failures", ""]
    if not any(report.failures(r) for r in runs):
        out += ["No run failed a rule.", ""]
    for run in runs:
        for rule in report.failures(run):
            out += _md_failure(report, run, rule)
    return "\n".join(out).rstrip("\n") + "\n"


SCORE_FORMULA = (
    "held = passed + deviation fixed, over the applicable rules (in the run's scope, skipped and "
    "not exercised included); MUST: the same over MUST rules; coverage = exercised (passed, "
    "failed, known deviation, deviation fixed) / applicable. Below 80% coverage, or with the "
    "token budget spent, a run is incomplete."
)


def _md_score(score: Score) -> tuple[str, str, str]:
    if not score.applicable:
        return "-", "-", "-"
    return (
        f"{score.passed}/{score.applicable} ({percent(score.pass_rate)})",
        f"{score.must_passed}/{score.must_applicable} ({percent(score.must_rate)})",
        f"{score.exercised}/{score.applicable} ({percent(score.coverage)})",
    )


def _md_failure(report: Report, run: Run, rule: str) -> list[str]:
    entry = run.rules[rule]
    out = [f'<a id="{_anchor("fail", run.key, rule)}"></a>', ""]
    tag = " (known deviation)" if entry["status"] == "deviation" else ""
    out += [f"### {run.key} · {rule}{tag}", ""]
    out += [f"{_md(entry.get('statement', ''))} ({_md(entry.get('level', ''))})", ""]
    if entry.get("reason"):
        out += [f"Reason: {_md(entry['reason'])}", ""]
    for test in entry.get("tests") or ():
        out.append(f"- test: `{_md(test)}`")
    for item in entry.get("evidence") or ():
        out.append(f"- {_md(item.get('message', ''))}")
        if item.get("kind") == "violation":
            out.append(f"  - expected: `{_md(item.get('expected', ''))}`")
            out.append(f"  - actual: `{_md(item.get('actual', ''))}`")
            if item.get("where"):
                out.append(f"  - where: `{_md(item['where'])}`")
            if item.get("reproduce"):
                out += ["", "  ```sh", f"  {scrub_text(str(item['reproduce']))}", "  ```"]
    out.append("")
    return out


def _md_comparison(diff: Comparison) -> list[str]:
    out = [f"## Changes from {diff.old.key} to {diff.new.key}", ""]
    if diff.unchanged:
        return [*out, "None: every rule has the same status, and the drift is the same."]
    for title, rules in (
        ("Newly failing", diff.newly_failing),
        ("Newly passing", diff.newly_passing),
        ("Newly skipped", diff.newly_skipped),
    ):
        if rules:
            links = ", ".join(
                f"[`{r}`](#{_anchor('fail', diff.new.key, r)})"
                if title == "Newly failing"
                else f"`{r}`"
                for r in rules
            )
            out += [f"**{title}** ({len(rules)}): {links}", ""]
    if diff.other:
        out += [f"**Other changes** ({len(diff.other)}):", ""]
        out += [f"- `{r}`: {a} → {b}" for r, a, b in diff.other]
        out.append("")
    for title, items in (("Newly drifting", diff.newly_drifting), ("Drift gone", diff.drift_gone)):
        if items:
            out += [f"**{title}** ({len(items)}):", ""]
            out += [f"- {_md(_drift_text(d))}" for d in items]
            out.append("")
    return out


# -- HTML -------------------------------------------------------------------------------

_CSS = """
:root { --ok: #1a7f37; --fail: #cf222e; --dev: #9a6700; --skip: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; }
header { background: #f6f8fa; border-bottom: 1px solid var(--line); padding: 12px 24px; }
header h1 { font-size: 20px; margin: 0 0 4px; }
nav a { margin-right: 12px; }
main { padding: 8px 24px 48px; max-width: 1400px; }
h2 { border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 32px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.st { text-align: center; font-weight: 600; min-width: 3em; }
td.num { text-align: right; white-space: nowrap; }
.passed { color: var(--ok); } .failed { color: var(--fail); background: #ffebe9; }
.deviation { color: var(--dev); background: #fff8c5; } .skipped { color: var(--skip); }
.not-exercised, .absent { color: #8c959f; }
td.st a { color: inherit; text-decoration: none; display: block; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: #f6f8fa; border: 1px solid var(--line); padding: 8px; white-space: pre-wrap;
      word-break: break-all; }
.bar { display: inline-block; height: 8px; background: var(--ok); vertical-align: middle;
       margin-left: 6px; }
.bar.bg { background: #eaeef2; position: relative; width: 60px; }
.bar.bg > span { position: absolute; left: 0; top: 0; height: 8px; background: var(--ok); }
.bar.bg > span.broken { background: var(--fail); }
.incomplete { color: var(--dev); font-weight: 600; }
article.failure { border: 1px solid var(--line); border-left: 4px solid var(--fail);
                  padding: 4px 16px; margin: 12px 0; }
article.failure.deviation-box { border-left-color: var(--dev); }
article.failure:target { outline: 2px solid #0969da; }
tr:target { outline: 2px solid #0969da; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0; }
dt { color: #57606a; } dd { margin: 0; }
.legend span { margin-right: 14px; }
.filter { margin: 8px 0; }
body.only-changes tr.same { display: none; }
table.matrix { width: 100%; } table.matrix td:first-child { width: 18em; }
"""

_JS = """
document.getElementById('only-changes').addEventListener('change', function (e) {
  document.body.classList.toggle('only-changes', e.target.checked);
});
"""


def _e(value: object) -> str:
    return html.escape(scrub_text(str(value)), quote=True)


def _cls(status: str) -> str:
    return status.replace(" ", "-")


def render_html(report: Report) -> str:
    """The report as one self-contained HTML file."""
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>interactions-conformance report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<header><h1>interactions-conformance report</h1><nav>",
        '<a href="#summary">Summary</a><a href="#scores">Scores</a>',
    ]
    if report.comparison is not None:
        parts.append('<a href="#changes">Changes</a>')
    parts.append(
        '<a href="#rules">Rules</a><a href="#drift">Drift</a><a href="#failures">Failures</a>'
    )
    parts.append("</nav></header><main>")
    parts += _html_summary(report)
    parts += _html_scores(report)
    if report.comparison is not None:
        parts += _html_comparison(report.comparison)
    parts += _html_matrix(report)
    parts += _html_drift(report)
    parts += _html_failures(report)
    parts.append(f"</main><script>{_JS}</script></body></html>")
    return "\n".join(parts) + "\n"


def _html_summary(report: Report) -> list[str]:
    out = ['<section id="summary"><h2>Summary</h2><table>']
    out.append(
        "<tr><th>run</th><th>target</th><th>revision</th><th>schema</th>"
        "<th>finished</th><th>requests</th><th>tokens</th>"
        + "".join(f"<th>{_e(s)}</th>" for s in STATUSES)
        + "<th>drift</th><th>held</th><th>MUST</th><th>coverage</th><th>verdict</th></tr>"
    )
    for run in report.runs:
        data = run.data
        counts = data["summary"]
        held, must, coverage = _md_score(report.score(run))
        failed = bool(counts.get("failed"))
        verdict = "failed" if failed else "INCOMPLETE" if run.incomplete else "passed"
        css = "failed" if failed else "incomplete" if run.incomplete else "passed"
        why = "; ".join(run.incomplete)
        out.append(
            f"<tr><th>{_e(run.key)}</th><td>{_e(run.label)}<br>"
            f"<code>{_e(data['target'].get('base_url') or '')}</code></td>"
            f"<td>{_e(data['revision'])}</td>"
            f"<td>{'strict' if data.get('strict_schema') else 'lenient'}</td>"
            f"<td>{_e(data['finished'])}</td><td class=num>{_e(data['requests'])}</td>"
            f"<td class=num>{_e(data['tokens'])}</td>"
            + "".join(
                f'<td class="num {_cls(s) if counts.get(s) else ""}">{_e(counts.get(s, 0))}</td>'
                for s in STATUSES
            )
            + f"<td class=num>{len(run.drift)}</td>"
            f"<td class=num>{_e(held)}</td><td class=num>{_e(must)}</td>"
            f"<td class=num>{_e(coverage)}</td>"
            f'<td class="{css}" title="{_e(why)}">{verdict}</td></tr>'
        )
    out.append("</table>")
    for run in report.runs:
        if run.incomplete:
            out.append(
                f'<p class="incomplete"><b>{_e(run.key)} is INCOMPLETE</b>: '
                f"{_e('; '.join(run.incomplete))}</p>"
            )
    out.append("</section>")
    return out


def _bar(score: Score) -> str:
    """Held in green, exercised but broken in red, not reached left empty: never all green
    for a run that reached little."""
    if not score.applicable:
        return ""
    held = round(60 * score.passed / score.applicable)
    broken = round(60 * score.exercised / score.applicable) - held
    return (
        f'<span class="bar bg"><span style="width:{held}px"></span>'
        f'<span class="broken" style="left:{held}px;width:{broken}px"></span></span>'
    )


def _html_scores(report: Report) -> list[str]:
    runs = report.runs
    out = [
        '<section id="scores"><h2>Score per area</h2>',
        f"<p>{_e(SCORE_FORMULA)}</p>",
        "<table><tr><th rowspan=2>area</th>"
        + "".join(f"<th colspan=3>{_e(r.key)}</th>" for r in runs)
        + "</tr><tr>"
        + "<th>held</th><th>MUST</th><th>coverage</th>" * len(runs)
        + "</tr>",
    ]
    for area in [*report.scored_areas(), None]:
        cells = ""
        for run in runs:
            result = report.score(run, area)
            held, must, coverage = _md_score(result)
            cells += (
                f"<td class=num>{_e(held)}{_bar(result)}</td><td class=num>{_e(must)}</td>"
                f"<td class=num>{_e(coverage)}</td>"
            )
        name = f'<a href="#{_anchor("area", area)}">{_e(area)}</a>' if area else "all"
        out.append(f"<tr><th>{name}</th>{cells}</tr>")
    out.append("</table></section>")
    return out


def _rule_link(rule: str, run_key: str | None = None) -> str:
    target = _anchor("fail", run_key, rule) if run_key else _anchor("rule", rule)
    return f'<a href="#{target}"><code>{_e(rule)}</code></a>'


def _html_comparison(diff: Comparison) -> list[str]:
    out = [
        f'<section id="changes"><h2>Changes from {_e(diff.old.key)} to {_e(diff.new.key)}</h2>',
        f"<p>{_e(diff.old.key)}: {_e(diff.old.label)} → {_e(diff.new.key)}: {_e(diff.new.label)}</p>",
    ]
    if diff.unchanged:
        out.append("<p>None: every rule has the same status, and the drift is the same.</p>")
    for title, rules, key in (
        ("Newly failing", diff.newly_failing, diff.new.key),
        ("Newly passing", diff.newly_passing, None),
        ("Newly skipped", diff.newly_skipped, None),
    ):
        if rules:
            links = ", ".join(_rule_link(r, key) for r in rules)
            out.append(f"<p><b>{title}</b> ({len(rules)}): {links}</p>")
    if diff.other:
        out.append(f"<p><b>Other changes</b> ({len(diff.other)}):</p><ul>")
        out += [f"<li>{_rule_link(r)}: {_e(a)} → {_e(b)}</li>" for r, a, b in diff.other]
        out.append("</ul>")
    for title, items in (("Newly drifting", diff.newly_drifting), ("Drift gone", diff.drift_gone)):
        if items:
            out.append(f"<p><b>{title}</b> ({len(items)}):</p><ul>")
            out += [f"<li>{_e(_drift_text(d))}</li>" for d in items]
            out.append("</ul>")
    out.append("</section>")
    return out


def _html_matrix(report: Report) -> list[str]:
    runs = report.runs
    legend = "".join(
        f'<span class="{_cls(s)}">{SYMBOL[s]} {_e(MEANING[s])}</span>' for s in STATUSES
    )
    out = [
        '<section id="rules"><h2>Rules</h2>',
        f'<p class="legend">{legend}</p>',
        '<p class="filter"><label><input type="checkbox" id="only-changes"> '
        "hide the rules that passed in every run</label></p>",
    ]
    for area, rules in report.by_area.items():
        title = report.area_titles.get(area)
        heading = _e(area) + (f": {_e(title)}" if title else "")
        out.append(f'<h3 id="{_anchor("area", area)}">{heading}</h3>')
        out.append(
            '<table class="matrix"><tr><th>rule</th><th>level</th>'
            + "".join(f'<th title="{_e(r.label)}">{_e(r.key)}</th>' for r in runs)
            + "<th>statement</th></tr>"
        )
        for rule in rules:
            info = report.rule_info[rule]
            statuses = [run.status(rule) for run in runs]
            same = "same" if all(s == "passed" for s in statuses) else "differs"
            cells = []
            for run, status in zip(runs, statuses, strict=True):
                symbol = SYMBOL[status]
                tip = f"{run.key}: {MEANING[status]}"
                reason = str(run.rules.get(rule, {}).get("reason") or "")
                if reason:
                    tip += f" ({reason})"
                if status in ("failed", "deviation"):
                    symbol = f'<a href="#{_anchor("fail", run.key, rule)}">{symbol}</a>'
                cells.append(f'<td class="st {_cls(status)}" title="{_e(tip)}">{symbol}</td>')
            out.append(
                f'<tr id="{_anchor("rule", rule)}" class="{same}"><td><code>{_e(rule)}</code></td>'
                f"<td>{_e(info.get('level', ''))}</td>{''.join(cells)}"
                f"<td>{_e(info.get('statement', ''))}</td></tr>"
            )
        out.append("</table>")
    out.append("</section>")
    return out


def _html_drift(report: Report) -> list[str]:
    out = ['<section id="drift"><h2>Drift</h2>']
    if not any(r.drift for r in report.runs):
        out.append("<p>No run saw drift.</p>")
    for run in report.runs:
        if not run.drift:
            continue
        out.append(f"<h3>{_e(run.key)}: {_e(run.label)}</h3>")
        out.append("<table><tr><th>what</th><th>name</th><th>where</th><th>schema</th></tr>")
        out += [
            f"<tr><td>{_e(d.get('what', ''))}</td><td><code>{_e(d.get('name', ''))}</code></td>"
            f"<td><code>{_e(d.get('where', ''))}</code></td><td>{_e(d.get('schema', ''))}</td></tr>"
            for d in run.drift
        ]
        out.append("</table>")
    out.append("</section>")
    return out


def _html_failures(report: Report) -> list[str]:
    out = ['<section id="failures"><h2>Failures</h2>']
    if not any(report.failures(r) for r in report.runs):
        out.append("<p>No run failed a rule.</p>")
    for run in report.runs:
        for rule in report.failures(run):
            entry = run.rules[rule]
            deviation = entry["status"] == "deviation"
            box = "failure deviation-box" if deviation else "failure"
            tag = " (known deviation)" if deviation else ""
            out.append(f'<article class="{box}" id="{_anchor("fail", run.key, rule)}">')
            out.append(
                f"<h3>{_e(run.key)} · <code>{_e(rule)}</code>{tag} "
                f'<small><a href="#{_anchor("rule", rule)}">matrix</a></small></h3>'
            )
            out.append(
                f"<p>{_e(entry.get('statement', ''))} ({_e(entry.get('level', ''))}); "
                f"run {_e(run.key)}: {_e(run.label)}</p>"
            )
            if entry.get("reason"):
                out.append(f"<p>Reason: {_e(entry['reason'])}</p>")
            tests = entry.get("tests") or ()
            if tests:
                out.append(
                    "<p>Tests: " + ", ".join(f"<code>{_e(t)}</code>" for t in tests) + "</p>"
                )
            for item in entry.get("evidence") or ():
                out.append(
                    f"<p><b>[{_e(item.get('rule', rule))}]</b> {_e(item.get('message', ''))}</p>"
                )
                if item.get("kind") == "violation":
                    out.append("<dl>")
                    for field in ("expected", "actual", "where", "schema_path"):
                        if item.get(field):
                            out.append(f"<dt>{field}</dt><dd><code>{_e(item[field])}</code></dd>")
                    out.append("</dl>")
                    if item.get("reproduce"):
                        out.append(f"<pre>{_e(item['reproduce'])}</pre>")
            out.append("</article>")
    out.append("</section>")
    return out

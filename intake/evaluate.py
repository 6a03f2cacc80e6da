"""``intake eval DIR``: score the extractor on a folder of ``.eml`` files and expected JSON.

Each ``NAME.eml`` is read as ``intake extract`` would read it and compared with
``NAME.json`` field by field. Message fields: kind, reference, sender's council, number
of entries. Entry fields (entries paired by order; an entry on one side only is wrong
on every field): organisations (code or kind and name, with role, as a set), service
areas (set), arrangement type, status, start year, savings (amount, period, basis),
whether a no-savings reason is given, description (both absent, or the actual one
holds at least half the expected words), contact e-mail, missing (set). The overall
score is the mean of the field accuracies.
"""

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from intake.config import LimitsSettings, OutboxSettings, Settings
from intake.contract import ExtractResult, SubmissionEntry
from intake.errors import IntakeError
from intake.extract.assemble import Extractor
from intake.parse.mime import parse_message
from intake.rules import Rules
from intake.validate import validate

MIN_DESCRIPTION_OVERLAP = 0.5
OUR_ADDRESS = OutboxSettings().from_address  # where the samples were sent
_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class FieldScore:
    correct: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0


@dataclass
class EvalReport:
    """Per-field scores over a folder, and one line per mismatch."""

    files: int = 0
    fields: dict[str, FieldScore] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)

    @property
    def overall(self) -> float:
        scored = [s.accuracy for s in self.fields.values() if s.total]
        return sum(scored) / len(scored) if scored else 0.0

    def record(self, name: str, field_name: str, expected: object, actual: object) -> None:
        score = self.fields.setdefault(field_name, FieldScore())
        score.total += 1
        if expected == actual:
            score.correct += 1
        else:
            self.mismatches.append(f"{name}: {field_name}: expected {expected!r}, got {actual!r}")

    def table(self) -> str:
        width = max([len(f) for f in self.fields] + [7])
        lines = [f"{'field':<{width}}  correct  accuracy"]
        for name, score in self.fields.items():
            ratio = f"{score.correct}/{score.total}"
            lines.append(f"{name:<{width}}  {ratio:>7}  {score.accuracy:8.3f}")
        lines.append(f"{'overall':<{width}}  {'':>7}  {self.overall:8.3f}  ({self.files} files)")
        return "\n".join(lines)


def _words(text: str | None) -> set[str]:
    return set(_WORD.findall((text or "").lower()))


def description_matches(expected: str | None, actual: str | None) -> bool:
    """Both absent, or the actual text holds at least half the expected words."""
    wanted, got = _words(expected), _words(actual)
    if not wanted or not got:
        return not wanted and not got
    return len(wanted & got) / len(wanted) >= MIN_DESCRIPTION_OVERLAP


def _org_key(name: str, code: str | None, kind: str) -> str:
    return code or f"{kind}:{' '.join(_WORD.findall(name.lower()))}"


def _entry_values(entry: SubmissionEntry | None) -> dict[str, object]:
    """The comparable value of each entry field (None for an entry that is not there)."""
    getters: dict[str, Callable[[SubmissionEntry], object]] = {
        "organisations": lambda e: {
            (_org_key(o.name, o.code, o.kind), o.role) for o in e.organisations
        },
        "service_areas": lambda e: set(e.service_areas),
        "arrangement_type": lambda e: e.arrangement_type,
        "status": lambda e: e.status,
        "start_year": lambda e: e.start_year,
        "savings": lambda e: sorted((s.amount_gbp, s.period, s.basis) for s in e.savings),
        "savings_none_reason": lambda e: e.savings_none_reason is not None,
        "contact.email": lambda e: (e.contact.email or "").lower() if e.contact else None,
        "missing": lambda e: set(e.missing),
    }
    return {name: ("<no entry>" if entry is None else get(entry)) for name, get in getters.items()}


def compare(name: str, expected: ExtractResult, actual: ExtractResult, report: EvalReport) -> None:
    report.files += 1
    report.record(name, "kind", expected.kind, actual.kind)
    report.record(name, "reference", expected.reference, actual.reference)
    report.record(name, "sender.organisation_code", expected.sender.organisation_code,
                  actual.sender.organisation_code)  # fmt: skip
    report.record(name, "submissions", len(expected.submissions), len(actual.submissions))
    for i in range(max(len(expected.submissions), len(actual.submissions))):
        want = expected.submissions[i] if i < len(expected.submissions) else None
        got = actual.submissions[i] if i < len(actual.submissions) else None
        label = f"{name}[{i}]"
        got_values = _entry_values(got)
        for field_name, value in _entry_values(want).items():
            report.record(label, field_name, value, got_values[field_name])
        if want is None or got is None:
            report.record(label, "description", "<entry>", "<no entry>")
        else:
            same = description_matches(want.description, got.description)
            report.record(label, "description", True, same or (want.description, got.description))


def extract_file(path: Path, rules: Rules, limits: LimitsSettings,
                 our_address: str | None = None) -> ExtractResult:  # fmt: skip
    """What ``intake extract PATH --json`` reports for one message."""
    parsed = parse_message(path.read_bytes(), limits, rules.kinds)
    return validate(Extractor(rules, our_address).extract(parsed), rules.validation)


def evaluate(dir: Path, rules_dir: Path, limits: LimitsSettings,
             our_address: str | None = OUR_ADDRESS) -> EvalReport:  # fmt: skip
    """Score every ``NAME.eml`` in ``dir`` that has a ``NAME.json`` beside it, as
    received at ``our_address`` (replies to our own messages are follow-ups)."""
    rules = Rules.load(rules_dir)
    report = EvalReport()
    for eml in sorted(dir.glob("*.eml")):
        expected_path = eml.with_suffix(".json")
        if not expected_path.exists():
            continue
        expected = ExtractResult.model_validate_json(expected_path.read_text(encoding="utf-8"))
        try:
            actual = extract_file(eml, rules, limits, our_address)
        except IntakeError as e:
            report.mismatches.append(f"{eml.name}: not read: {e}")
            actual = ExtractResult(kind="not_submission")
        compare(eml.name, expected, actual, report)
    return report


def main(dir: Path, settings: Settings, min_score: float = 0.95) -> int:
    """Print the per-field table and the mismatches; 0 when overall >= ``min_score``."""
    if not dir.is_dir():
        print(f"intake: {dir}: not a directory", file=sys.stderr)
        return 2
    report = evaluate(dir, settings.rules_dir, settings.limits, settings.outbox.from_address)
    if report.files == 0:
        print(f"intake: {dir}: no .eml file with an expected .json beside it", file=sys.stderr)
        return 2
    print(report.table())
    if report.mismatches:
        print("\nmismatches:")
        print("\n".join(f"  {line}" for line in report.mismatches))
    return 0 if report.overall >= min_score else 1

"""Validate: which required facts each extracted entry still lacks (contract ``missing``)."""

from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from intake.contract import ExtractResult, MissingField, SubmissionEntry
from intake.errors import RulesError


class ValidationRules(BaseModel):
    required: list[MissingField]
    min_organisations: int = 2
    min_description_chars: int = 15

    @classmethod
    def load(cls, rules_dir: Path) -> "ValidationRules":
        path = rules_dir / "validation.yaml"
        try:
            return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError, ValidationError) as e:
            raise RulesError(f"{path}: {e}".splitlines()[0]) from e


def missing_fields(entry: SubmissionEntry, rules: ValidationRules) -> list[MissingField]:
    lacking: set[MissingField] = set()
    councils = [o for o in entry.organisations if o.kind == "council" and o.code]
    if len(entry.organisations) < rules.min_organisations or not councils:
        lacking.add("organisations")
    if not entry.service_areas:
        lacking.add("service_areas")
    if len((entry.description or "").strip()) < rules.min_description_chars:
        lacking.add("description")
    if not entry.savings and not entry.savings_none_reason:
        lacking.add("savings")
    return [f for f in rules.required if f in lacking]


def validate(result: ExtractResult, rules: ValidationRules) -> ExtractResult:
    """Fill ``missing`` on every entry; the extractor's own view is replaced."""
    for entry in result.submissions:
        entry.missing = missing_fields(entry, rules)
    return result

"""The stages that need no database: parse, extract, validate, and the message's content hash.

``prepare`` runs them on one stored message's bytes and catches what they raise, so
the orchestrator gets plain data back whichever process ran them.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from intake.contract import ExtractResult
from intake.dedupe import content_hash
from intake.errors import ParseError
from intake.messages import ParsedMessage
from intake.rules import Rules
from intake.validate import validate

log = logging.getLogger("intake.pipeline")


@dataclass(frozen=True)
class Stages:
    """The stage functions and the rules they share, built once at start."""

    parse: Callable[[bytes], ParsedMessage]
    extract: Callable[[ParsedMessage], ExtractResult]
    automated_reason: Callable[[ParsedMessage], str | None]
    rules: Rules
    form_url: str | None = None


@dataclass
class Prepared:
    """One message after the stages that need no database, or why they failed."""

    parsed: ParsedMessage | None = None
    result: ExtractResult | None = None
    content_hash: str | None = None
    failed_state: str | None = None  # "quarantined" (unreadable) or "failed" (our fault)
    reason: str | None = None
    seconds: float = 0.0


def prepare(stages: Stages, data: bytes) -> Prepared:
    started = time.perf_counter()
    try:
        parsed = stages.parse(data)
        result = validate(stages.extract(parsed), stages.rules.validation)
        digest = content_hash(parsed, stages.rules.kinds.subject_core)
        prepared = Prepared(parsed=parsed, result=result, content_hash=digest)
    except ParseError as e:
        prepared = Prepared(failed_state="quarantined", reason=str(e))
    except Exception as e:  # one message never stops the batch
        log.exception("message failed to parse or extract")
        prepared = Prepared(failed_state="failed", reason=f"{type(e).__name__}: {e}")
    prepared.seconds = time.perf_counter() - started
    return prepared

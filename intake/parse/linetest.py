"""Yes/no pattern tests on single lines, remembered per line.

Splitting a body tries the quote, signature and notice patterns of rules/kinds.yaml on
every line. The lines those patterns are about (greetings, sign-offs, a sender's
signature block, legal notices, blank lines) recur in message after message, so each
pattern remembers its answer per line it has seen; long lines and an endless stream of
new lines are not kept.
"""

import re
from collections.abc import Callable

_MAX_LINES = 20_000  # answers kept per pattern; forgotten all at once past this
_MAX_CHARS = 300  # longer lines are tested every time
_MAX_PATTERNS = 256  # (rules reloaded many times, as in tests)
_answers: dict[tuple[re.Pattern[str], bool], dict[str, bool]] = {}


def line_test(pattern: re.Pattern[str], *, whole: bool) -> Callable[[str], bool]:
    """``pattern.fullmatch(line)`` (``whole``) or ``pattern.match(line)``, as a yes/no."""
    key = (pattern, whole)
    seen = _answers.get(key)
    if seen is None:
        if len(_answers) >= _MAX_PATTERNS:
            _answers.clear()
        seen = _answers[key] = {}
    test = pattern.fullmatch if whole else pattern.match

    def check(line: str) -> bool:
        known = seen.get(line)
        if known is None:
            known = test(line) is not None
            if len(line) <= _MAX_CHARS:
                if len(seen) >= _MAX_LINES:
                    seen.clear()
                seen[line] = known
        return known

    return check

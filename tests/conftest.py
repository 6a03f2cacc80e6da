"""Shared fixtures: real databases, a real Dovecot, a real SMTP server."""

pytest_plugins = [
    "tests.support.database",
    "tests.support.dovecot",
    "tests.support.smtp",
]

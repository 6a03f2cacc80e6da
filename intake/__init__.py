"""Shared-services intake: mailbox -> ledger -> extract -> store -> reply."""

__version__ = "0.1.0"

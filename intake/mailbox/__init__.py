"""Mailbox backends: where raw messages come from (IMAP, or a local Maildir)."""

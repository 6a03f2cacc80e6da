"""Choose the mailbox backend named in the settings."""

from intake.config import Settings
from intake.mailbox.base import Mailbox
from intake.mailbox.imap import ImapMailbox
from intake.mailbox.maildir import MaildirMailbox


def make_mailbox(settings: Settings) -> Mailbox:
    """The mailbox for ``settings.inbox.backend`` (``maildir`` or ``imap``), not yet connected."""
    if settings.inbox.backend == "imap":
        return ImapMailbox(settings.imap)
    return MaildirMailbox(settings.inbox.maildir)


def open_mailbox(settings: Settings) -> Mailbox:
    """A connected mailbox; raises ``MailboxError`` when it cannot be reached.

    Call ``close()`` when done; a service wanting IDLE alongside fetching opens a second one.
    """
    mailbox = make_mailbox(settings)
    mailbox.connect()
    return mailbox

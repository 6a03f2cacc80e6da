"""Choose the mailbox backend named in the settings."""

from intake.config import Settings
from intake.mailbox.base import Mailbox
from intake.mailbox.imap import ImapMailbox
from intake.mailbox.maildir import MaildirMailbox


def open_mailbox(settings: Settings) -> Mailbox:
    """A connected mailbox for ``settings.inbox.backend`` (``maildir`` or ``imap``).

    Raises ``MailboxError`` when it cannot be reached. Call ``close()`` when done;
    a service wanting IDLE alongside fetching opens a second one.
    """
    mailbox: Mailbox
    if settings.inbox.backend == "imap":
        mailbox = ImapMailbox(settings.imap)
    else:
        mailbox = MaildirMailbox(settings.inbox.maildir)
    mailbox.connect()
    return mailbox

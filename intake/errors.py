"""The one error tree of the project.

    IntakeError                 anything the service reports as its own failure
    ├── ConfigError             service.yaml or an INTAKE_* variable is wrong
    ├── RulesError              a file under rules/ is missing or malformed
    ├── MailboxError            the mailbox cannot be reached, logged into or read
    ├── ParseError              a message cannot be read as MIME (-> quarantined)
    ├── ExtractionError         an extractor failed on a message it could read
    └── DeliveryError           a reply could not be handed to SMTP or the outbox folder
        └── PermanentDeliveryError   the server refused it for good (5xx): do not retry

Stages raise; only the pipeline catches per message and records the reason in the
ledger. Third-party errors are wrapped with ``raise ... from e``.
"""


class IntakeError(Exception):
    """Base of every error the service raises on purpose."""


class ConfigError(IntakeError):
    """Raised when service.yaml or an INTAKE_* override cannot be loaded or validated."""


class RulesError(IntakeError):
    """Raised when a policy file under rules/ is missing or does not validate."""


class MailboxError(IntakeError):
    """Raised when the mailbox (IMAP or Maildir) cannot be connected to or read."""


class ParseError(IntakeError):
    """Raised when a message cannot be read as MIME at all; the message is quarantined."""


class ExtractionError(IntakeError):
    """Raised when extraction fails on a readable message; the message is marked failed."""


class DeliveryError(IntakeError):
    """Raised when a reply could not be delivered this time; it will be retried."""


class PermanentDeliveryError(DeliveryError):
    """Raised when the receiving server refused a reply for good (SMTP 5xx)."""

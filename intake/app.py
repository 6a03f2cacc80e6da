"""The composition root: settings and rules in, the running parts out. Built once."""

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine

from intake.config import Settings
from intake.db import make_engine
from intake.extract.assemble import Extractor
from intake.extract.kinds import automated_reason
from intake.ledger import Ledger
from intake.mailbox.base import Mailbox
from intake.mailbox.factory import make_mailbox
from intake.messages import ParsedMessage
from intake.parse.mime import parse_message
from intake.pipeline import Pipeline
from intake.poller import PollReport, poll_once
from intake.readers import make_readers
from intake.reply.maildir import MaildirTransport
from intake.reply.outbox import Outbox, SendReport
from intake.reply.render import ReplyRenderer
from intake.reply.transport import SmtpTransport, Transport
from intake.rules import Rules
from intake.stages import Stages
from intake.workers import PreparePool


def message_parser(settings: Settings, rules: Rules) -> Callable[[bytes], ParsedMessage]:
    """The parse stage, with the attachment readers bound to the loaded rules."""
    limits, readers = settings.limits, make_readers(rules.form_fields)
    return lambda data: parse_message(data, limits, rules.kinds, readers=readers)


@dataclass
class App:
    settings: Settings
    engine: Engine
    rules: Rules

    @classmethod
    def build(cls, settings: Settings) -> "App":
        rules = Rules.load(settings.rules_dir)
        return cls(settings=settings, engine=make_engine(settings.database.url), rules=rules)

    @cached_property
    def instance(self) -> str:
        return f"{socket.gethostname()}:{os.getpid()}"

    @cached_property
    def ledger(self) -> Ledger:
        return Ledger(self.engine)

    @cached_property
    def extractor(self) -> Extractor:
        return Extractor(self.rules, self.settings.outbox.from_address)

    @cached_property
    def stages(self) -> Stages:
        kinds = self.rules.kinds
        our_address = self.settings.outbox.from_address
        return Stages(
            parse=message_parser(self.settings, self.rules),
            extract=self.extractor.extract,
            automated_reason=lambda parsed: automated_reason(parsed, kinds, our_address),
            rules=self.rules,
            form_url=self.settings.outbox.form_url or None,
        )

    @cached_property
    def outbox(self) -> Outbox:
        renderer = ReplyRenderer(self.settings.templates_dir, self.settings.rules_dir)
        return Outbox(self.engine, self.settings.outbox, renderer)

    @cached_property
    def pipeline(self) -> Pipeline:
        cap = self.settings.outbox.per_sender_daily_cap
        chunk, pool = self.settings.poll.batch_size, PreparePool(self.settings, self.stages)
        return Pipeline(self.engine, self.ledger, self.stages, self.outbox, cap, chunk_size=chunk,
                        pool=pool)  # fmt: skip

    def mailbox(self) -> Mailbox:
        return make_mailbox(self.settings)

    def transport(self) -> Transport:
        """The transport the settings ask for (not yet connected)."""
        if self.settings.outbox.transport == "smtp":
            return SmtpTransport(self.settings.smtp)
        return MaildirTransport(self.settings.outbox.maildir)

    def poll(self, mailbox: Mailbox | None = None) -> PollReport:
        return poll_once(mailbox or self.mailbox(), self.ledger, self.pipeline, self.engine,
                         batch_size=self.settings.poll.batch_size)  # fmt: skip

    def send(self) -> SendReport:
        with self.transport() as transport:
            return self.outbox.send_due(transport, self.instance)

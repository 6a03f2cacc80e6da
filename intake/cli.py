"""The ``intake`` command: thin commands over the service's parts."""

import argparse
import json
import mailbox as stdlib_mailbox
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlmodel import Session

from intake.config import Settings, load_settings
from intake.errors import IntakeError
from intake.messages import RawMessage

if TYPE_CHECKING:  # the service's parts load only for the commands that need them
    from intake.app import App
from intake.web import cli as web_commands


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="intake", description=__doc__)
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        help="settings file (default: ./service.yaml, or $INTAKE_CONFIG)",
    )
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the service: scheduled polls, IDLE, replies")
    poll = sub.add_parser("poll", help="process what is in the mailbox now, send replies, exit")
    poll.add_argument("--once", action="store_true", help="(the default) poll one time")
    sub.add_parser("send", help="deliver the replies that are due, then exit")
    ex = sub.add_parser("extract", help="one message (.eml or Outlook .msg) to contract JSON")
    ex.add_argument("file", type=Path)
    ex.add_argument("--json", action="store_true", help="(the default) print JSON")
    imp = sub.add_parser("import", help="feed .eml, .mbox or .msg files into the pipeline")
    imp.add_argument("files", type=Path, nargs="+")
    rp = sub.add_parser("replay", help="re-run a failed or quarantined message")
    rp.add_argument("id", type=int)
    sub.add_parser("status", help="messages by state, outbox backlog, last poll")
    im = sub.add_parser("import-map", help="load the published map's entries (CSV)")
    im.add_argument("file", type=Path, help="columns: see docs/map-import.md")
    db = sub.add_parser("db", help="database tasks")
    db.add_argument("action", choices=["upgrade"])
    ev = sub.add_parser("eval", help="score extraction on a folder of .eml + expected .json")
    ev.add_argument("dir", type=Path)
    ev.add_argument("--min", type=float, default=0.95)
    web_commands.add_commands(sub)
    return p


def _settings(args: argparse.Namespace) -> Settings:
    import os

    path = args.config or Path(os.environ.get("INTAKE_CONFIG", "service.yaml"))
    return load_settings(path)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args)
        if args.command == "extract":
            return _extract(settings, args.file)
        if args.command == "eval":
            from intake.evaluate import main as eval_main

            return eval_main(args.dir, settings, args.min)
        from intake.logs import setup_logging

        setup_logging(settings.logging)
        if args.command == "db":
            from intake.db import upgrade

            upgrade(settings.database.url)
            print(f"database at head: {settings.database.url}")
            return 0
        return _with_app(settings, args)
    except IntakeError as e:
        print(f"intake: {e}", file=sys.stderr)
        return 2


def _with_app(settings: Settings, args: argparse.Namespace) -> int:
    from intake.app import App
    from intake.db import check_current

    app = App.build(settings)
    check_current(app.engine)
    if args.command in web_commands.COMMANDS:
        return web_commands.run(app, args)
    if args.command == "run":
        from intake.service import Service

        Service(app).run_forever()
    elif args.command == "poll":
        report = app.poll()
        sent = app.send()
        print(
            json.dumps(
                {
                    **report.model_dump(),
                    "replies_sent": sent.sent,
                    "replies_retrying": sent.retrying,
                    "replies_failed": sent.failed,
                }
            )
        )
        return 1 if report.error else 0
    elif args.command == "send":
        sent = app.send()
        print(json.dumps({"sent": sent.sent, "retrying": sent.retrying, "failed": sent.failed}))
    elif args.command == "import":
        return _import(app, args.files)
    elif args.command == "replay":
        try:
            outcome = app.pipeline.replay(args.id)
        except (LookupError, ValueError) as e:
            print(f"intake: {e}", file=sys.stderr)
            return 2
        print(outcome.model_dump_json() if outcome else "{}")
    elif args.command == "import-map":
        from intake.map_import import import_map

        print(json.dumps(vars(import_map(app.engine, app.rules, args.file))))
    elif args.command == "status":
        print(json.dumps(status(app), indent=2, default=str))
    return 0


def _extract(settings: Settings, file: Path) -> int:
    from intake.app import message_parser
    from intake.errors import ParseError
    from intake.extract.assemble import Extractor
    from intake.rules import Rules
    from intake.validate import ValidationRules, validate

    try:
        data = file.read_bytes()
    except OSError as e:
        print(f"intake: cannot read {file}: {e.strerror}", file=sys.stderr)
        return 2
    rules = Rules.load(settings.rules_dir)
    try:
        data = _as_email(file.name, data, strict=True)
        parsed = message_parser(settings, rules)(data)
    except ParseError as e:
        print(f"intake: {file}: {e}", file=sys.stderr)
        return 2
    extractor = Extractor(rules, settings.outbox.from_address)
    result = validate(extractor.extract(parsed), ValidationRules.load(settings.rules_dir))
    print(result.model_dump_json(indent=2))
    return 0


def _messages_in(path: Path) -> Iterator[tuple[str, bytes]]:
    data = path.read_bytes()
    if path.suffix.lower() == ".mbox" or data.startswith(b"From "):
        box = stdlib_mailbox.mbox(str(path), create=False)
        try:
            for key, message in box.iteritems():
                yield f"{path.name}#{key}", message.as_bytes()
        finally:
            box.close()
    else:
        yield path.name, _as_email(path.name, data, strict=False)


def _as_email(name: str, data: bytes, *, strict: bool) -> bytes:
    """An Outlook .msg as the Internet message it stood for; other data as it is. Not
    ``strict``: an unreadable .msg is kept as it is (the ledger holds it, quarantined)."""
    from intake.errors import ParseError
    from intake.readers.msg_file import is_outlook_msg, msg_as_email

    if not is_outlook_msg(data):
        return data
    try:
        converted, warnings = msg_as_email(data, name)
    except ParseError as e:
        if strict:
            raise
        print(f"intake: {e}: stored as it is", file=sys.stderr)
        return data
    for warning in warnings:
        print(f"intake: {warning}", file=sys.stderr)
    return converted


def _import(app: "App", files: list[Path]) -> int:
    counts = {"new": 0, "known": 0, "processed": 0, "failed": 0}
    for path in files:
        for key, data in _messages_in(path):
            folder = str(path.resolve().parent)
            raw = RawMessage(mailbox="import", folder=folder, key=key, data=data)
            recorded = app.ledger.record(raw)
            if not recorded.is_new:
                counts["known"] += 1
                continue
            counts["new"] += 1
            outcome = app.pipeline.process(recorded.id)
            if outcome is not None:
                counts["processed" if outcome.state == "processed" else "failed"] += 1
    print(json.dumps(counts))
    return 0


def status(app: "App") -> dict[str, object]:
    from intake.store import MailboxCursor, MessageRecord, Reply, Submission

    with Session(app.engine) as session:

        def counts(column: object) -> dict[str, int]:
            rows = session.execute(select(column, func.count()).group_by(column)).all()  # type: ignore[call-overload]
            return {str(k): int(v) for k, v in rows}

        cursors = session.scalars(select(MailboxCursor)).all()
        return {
            "messages": counts(MessageRecord.state),
            "submissions": counts(Submission.review_state),
            "outbox": counts(Reply.state),
            "mailboxes": [
                {
                    "mailbox": c.mailbox,
                    "folder": c.folder,
                    "uidvalidity": c.uidvalidity,
                    "last_uid": c.last_uid,
                    "last_poll": c.last_poll_at,
                    "last_success": c.last_success_at,
                    "last_error": c.last_error,
                }
                for c in cursors
            ],
        }


if __name__ == "__main__":
    sys.exit(main())

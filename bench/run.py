"""``make bench``: throughput and memory of the intake against the ceiling of the same run.

Appends realistic messages to a private Dovecot, then measures, from one run:
- the ceiling: imapclient batch FETCH + stdlib parse of every message (messages/s);
- the full pipeline: ``intake poll --once`` on the same mailbox into SQLite, replies
  written to a Maildir outbox (messages/s), its ratio to the ceiling, and its peak memory
  at two mailbox sizes (memory must not grow with the mailbox);
- extraction alone, in-process: plain-text, PDF-form and Word messages per second.
Usage: python -m bench.run [--messages N]
"""

import argparse
import email.parser
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from imapclient import IMAPClient

from bench.samples import extraction_samples
from intake.db import upgrade
from tests.support.dovecot import DovecotServer, ImapAccount
from tests.support.mail import submission_email
from tests.support.service import INTAKE, PROJECT, write_config


def ceiling(account: ImapAccount, batch: int = 500) -> float:
    """Messages per second for a plain batch fetch and parse: nothing can beat it."""
    parser = email.parser.BytesParser()  # the stdlib's own default (compat32) parse
    started = time.perf_counter()
    count = 0
    with IMAPClient(account.host, port=account.port, ssl=False) as client:
        client.login(account.username, account.password)
        client.select_folder("INBOX", readonly=True)
        uids = client.search(["ALL"])
        for i in range(0, len(uids), batch):
            for data in client.fetch(uids[i : i + batch], [b"BODY.PEEK[]"]).values():
                message = parser.parsebytes(data[b"BODY[]"])
                message.get_payload(decode=True)
                count += 1
    return count / (time.perf_counter() - started)


def pipeline(account: ImapAccount, workdir: Path) -> tuple[float, float, int]:
    """(messages/s, seconds, peak RSS in MiB) of `intake poll --once` in a fresh process."""
    db_url = f"sqlite:///{workdir}/bench.db"
    upgrade(db_url)
    config = write_config(workdir, db_url=db_url, imap=account, logging={"level": "WARNING"})
    started = time.perf_counter()
    proc = subprocess.Popen([*INTAKE, "--config", str(config), "poll", "--once"], cwd=PROJECT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    out = proc.stdout.read().decode() if proc.stdout else ""
    if status != 0:
        raise SystemExit(f"poll failed ({status}): {out}")
    processed = int(out.split('"processed": ')[1].split(",")[0])
    return processed / seconds, seconds, usage.ru_maxrss // 1024


def fill(server: DovecotServer, count: int, seed: int) -> ImapAccount:
    account = server.add_user()
    messages = [submission_email(i, seed=seed, complete=i % 4 != 0) for i in range(count)]
    started = time.perf_counter()
    for i in range(0, count, 2000):
        server.append_many(account, messages[i : i + 2000])
    rate = count / (time.perf_counter() - started)
    print(f"appended {count} messages ({rate:.0f}/s)")
    return account


def extraction() -> None:
    from intake.app import message_parser
    from intake.config import load_settings
    from intake.extract.assemble import Extractor
    from intake.rules import Rules

    settings = load_settings(None, {})
    rules = Rules.load(PROJECT / "rules")
    parse, extractor = message_parser(settings, rules), Extractor(rules)
    for name, data in extraction_samples():
        extractor.extract(parse(data))  # warm caches
        rounds, started = 0, time.perf_counter()
        while time.perf_counter() - started < 1.0:
            extractor.extract(parse(data))
            rounds += 1
        rate = rounds / (time.perf_counter() - started)
        print(f"extract {name:<10} {rate:8.0f} messages/s  ({1000 / rate:.2f} ms each)")


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--messages", type=int, default=10_000)
    count = args.parse_args().messages
    server = DovecotServer()
    server.start()
    try:
        small = fill(server, count // 5, seed=2)
        big = fill(server, count, seed=1)
        top = ceiling(big)
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            _, _, rss_small = pipeline(small, Path(a))
            rate, seconds, rss_big = pipeline(big, Path(b))
    finally:
        server.stop()
    print(f"ceiling   (fetch + parse)        {top:8.0f} messages/s")
    print(f"pipeline  (poll --once, SQLite)  {rate:8.0f} messages/s  ({seconds:.1f} s)")
    print(f"ratio     pipeline / ceiling     {rate / top:8.1%}   (target >= 20%)")
    print(f"peak RSS  {count // 5:>6} messages       {rss_small:8d} MiB")
    print(f"peak RSS  {count:>6} messages       {rss_big:8d} MiB")
    extraction()
    dedupe = PROJECT / "bench" / "dedupe_bench.py"
    if dedupe.exists():
        subprocess.run([sys.executable, "-m", "bench.dedupe_bench"], cwd=PROJECT, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

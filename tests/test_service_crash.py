"""Crash safety, IDLE and scale-out: the real ``intake run`` process, killed and restarted."""

import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.support.dovecot import DovecotServer, ImapAccount, free_port
from tests.support.mail import submission_email
from tests.support.service import Store, run_cli, start_service, wait_for, write_config
from tests.support.smtp import SmtpTestServer

pytestmark = pytest.mark.slow


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _replies_by_original(smtp: SmtpTestServer) -> Counter[str]:
    return Counter(str(m["In-Reply-To"]).strip() for m in smtp.messages)


def test_sigkill_mid_batch_loses_nothing_and_doubles_nothing(
    tmp_path: Path,
    sqlite_url: str,
    dovecot_server: DovecotServer,
    imap_account: ImapAccount,
    smtp_server: SmtpTestServer,
) -> None:
    """GIVEN 200 messages WHEN the service is killed -9 three times mid-batch and restarted
    THEN every message is processed once and every reply delivered once."""
    dovecot_server.append_many(imap_account, [submission_email(i, seed=7) for i in range(200)])
    # The kills are for fetching and processing, where the transactions alone must give
    # exactly-once: while they land, replies cannot be delivered (the SMTP port is closed,
    # so each try fails before any server accepts it). A death between an SMTP server's
    # 250 and our record of it is the one window SMTP leaves; it has a test of its own.
    config = write_config(
        tmp_path,
        db_url=sqlite_url,
        imap=imap_account,
        smtp=smtp_server,
        poll={"batch_size": 20},
    )
    killed = tmp_path / "killed"
    killed.mkdir()
    settings = yaml.safe_load(config.read_text())
    settings["smtp"]["port"] = free_port()
    settings["outbox"]["send_interval_seconds"] = 3600
    (killed / "service.yaml").write_text(yaml.safe_dump(settings))
    store = Store(sqlite_url)
    log = tmp_path / "service.log"
    for kill_at in (30, 90, 150):
        proc = start_service(killed / "service.yaml", log)
        try:
            wait_for(lambda n=kill_at: store.messages("processed") >= n, 60, f"{kill_at} processed")
        finally:
            proc.kill()
            proc.wait()
    proc = start_service(config, log)
    try:
        wait_for(
            lambda: len(smtp_server.messages) >= 200 and store.replies("pending") == 0,
            90,
            "all replies delivered",
        )
        time.sleep(1.5)  # anything sent twice would arrive now
    finally:
        _stop(proc)
    assert store.messages() == 200 and store.messages("processed") == 200
    assert store.submissions() == 200
    per_original = _replies_by_original(smtp_server)
    assert len(per_original) == 200 and set(per_original.values()) == {1}
    store.close()


@pytest.mark.parametrize("point", ["ledger.recorded:2", "outbox.claimed:3"])
def test_a_crash_at_a_named_point_is_recovered_exactly_once(
    point: str,
    tmp_path: Path,
    sqlite_url: str,
    dovecot_server: DovecotServer,
    imap_account: ImapAccount,
    smtp_server: SmtpTestServer,
) -> None:
    """GIVEN a process that dies at POINT WHEN run again THEN each message and reply once."""
    dovecot_server.append_many(imap_account, [submission_email(i, seed=8) for i in range(10)])
    config = write_config(tmp_path, db_url=sqlite_url, imap=imap_account, smtp=smtp_server,
                          poll={"interval_seconds": 30, "batch_size": 3})  # fmt: skip
    crashed = subprocess.run(
        [*_intake(config), "poll", "--once"],
        env={**os.environ, "INTAKE_CRASH_AT": point},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert crashed.returncode == -signal.SIGKILL
    time.sleep(3.2)  # the dead sender's claim goes stale (stale_claim_seconds: 3)
    again = run_cli(config, "poll", "--once")
    assert again.returncode == 0, again.stderr
    store = Store(sqlite_url)
    assert store.messages("processed") == 10 and store.submissions() == 10
    assert set(_replies_by_original(smtp_server).values()) == {1}
    assert len(smtp_server.messages) == 10
    store.close()


def test_a_crash_after_smtp_accepted_resends_the_identical_reply(
    tmp_path: Path,
    sqlite_url: str,
    dovecot_server: DovecotServer,
    imap_account: ImapAccount,
    smtp_server: SmtpTestServer,
) -> None:
    """GIVEN a death between the server's 250 and our record of it WHEN run again THEN the
    reply is offered again, byte for byte (same Message-ID): the one window SMTP leaves."""
    dovecot_server.append(imap_account, submission_email(1, seed=9))
    config = write_config(tmp_path, db_url=sqlite_url, imap=imap_account, smtp=smtp_server)
    crashed = subprocess.run(
        [*_intake(config), "poll", "--once"],
        env={**os.environ, "INTAKE_CRASH_AT": "outbox.delivered:1"},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert crashed.returncode == -signal.SIGKILL
    time.sleep(3.2)
    assert run_cli(config, "send").returncode == 0
    assert len(smtp_server.raw) == 2 and smtp_server.raw[0] == smtp_server.raw[1]


def _intake(config: Path) -> list[str]:
    from tests.support.service import INTAKE

    return [*INTAKE, "--config", str(config)]


def test_idle_acknowledges_a_new_message_within_five_seconds(
    tmp_path: Path,
    sqlite_url: str,
    dovecot_server: DovecotServer,
    imap_account: ImapAccount,
    smtp_server: SmtpTestServer,
) -> None:
    """GIVEN `intake run` waiting in IDLE WHEN a message arrives THEN its reply is out in <5 s."""
    config = write_config(
        tmp_path,
        db_url=sqlite_url,
        imap=imap_account,
        smtp=smtp_server,
        poll={"interval_seconds": 600},
        outbox={"send_interval_seconds": 600},
    )
    store = Store(sqlite_url)
    proc = start_service(config, tmp_path / "service.log")
    try:
        wait_for(lambda: bool(store.count_polls()), 30, "the first poll")
        time.sleep(1.0)  # the watcher is in IDLE by now
        started = time.monotonic()
        dovecot_server.append(imap_account, submission_email(1, seed=10))
        wait_for(lambda: len(smtp_server.messages) == 1, 5, "the acknowledgement")
        elapsed = time.monotonic() - started
    finally:
        _stop(proc)
    assert elapsed < 5
    assert "service stopped" in (tmp_path / "service.log").read_text()
    store.close()


def test_two_instances_on_postgresql_process_each_message_once(
    tmp_path: Path,
    postgres_url: str,
    dovecot_server: DovecotServer,
    imap_account: ImapAccount,
    smtp_server: SmtpTestServer,
) -> None:
    """GIVEN 500 messages and two `intake run` on one database WHEN both work
    THEN each message is processed once and each reply delivered once."""
    dovecot_server.append_many(imap_account, [submission_email(i, seed=11) for i in range(500)])
    config = write_config(
        tmp_path,
        db_url=postgres_url,
        imap=imap_account,
        smtp=smtp_server,
        poll={"interval_seconds": 1},
    )
    store = Store(postgres_url)
    procs = [start_service(config, tmp_path / f"service{i}.log") for i in range(2)]
    try:
        wait_for(
            lambda: len(smtp_server.messages) >= 500 and store.replies("pending") == 0,
            240,
            "500 replies",
            interval=0.5,
        )
        time.sleep(2)
    finally:
        for proc in procs:
            _stop(proc)
    assert store.messages() == 500 and store.messages("processed") == 500
    assert store.submissions() == 500
    per_original = _replies_by_original(smtp_server)
    assert len(per_original) == 500 and set(per_original.values()) == {1}
    senders = Counter(row for row in store.reply_senders())
    assert sum(senders.values()) == 500
    store.close()


def test_idle_reconnects_after_the_server_goes_away(
    tmp_path: Path, sqlite_url: str, smtp_server: SmtpTestServer
) -> None:
    """GIVEN `intake run` in IDLE WHEN the IMAP server restarts THEN the watcher reconnects
    and the next message is still acknowledged within seconds, without waiting for a poll."""
    server = DovecotServer()  # its own server: restarting the shared one would disturb others
    server.start()
    try:
        account = server.add_user()
        config = write_config(tmp_path, db_url=sqlite_url, imap=account, smtp=smtp_server,
                              poll={"interval_seconds": 600},
                              outbox={"send_interval_seconds": 600})  # fmt: skip
        store = Store(sqlite_url)
        proc = start_service(config, tmp_path / "service.log")
        try:
            wait_for(lambda: bool(store.count_polls()), 30, "the first poll")
            server.append(account, submission_email(1, seed=12))
            wait_for(lambda: len(smtp_server.messages) == 1, 5, "the first acknowledgement")
            server.restart(down_seconds=2)
            server.append(account, submission_email(2, seed=12))
            wait_for(lambda: len(smtp_server.messages) == 2, 20, "the acknowledgement after")
        finally:
            _stop(proc)
        store.close()
    finally:
        server.stop()

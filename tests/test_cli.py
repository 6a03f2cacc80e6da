"""The `intake` commands on the embedded defaults: Maildir in, Maildir out, SQLite."""

import json
import mailbox
import shutil
from email import message_from_bytes, policy
from pathlib import Path

from tests.support.mail import broken_email, submission_email
from tests.support.service import PROJECT, Store, run_cli, write_config

EXAMPLES = PROJECT / "examples"


def _outbox(tmp_path: Path) -> list[bytes]:
    new = tmp_path / "outbox" / "new"
    return [p.read_bytes() for p in sorted(new.iterdir())] if new.exists() else []


def test_the_examples_get_the_replies_the_readme_promises(tmp_path: Path, sqlite_url: str) -> None:
    """GIVEN the README's examples in the Maildir inbox WHEN polled THEN 01 is acknowledged,
    02 is asked for its savings, 03 (out of office) gets nothing; files move to cur/."""
    form = "https://www.local.gov.uk/shared-services-form.pdf"
    config = write_config(tmp_path, db_url=sqlite_url, outbox={"form_url": form})
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    for path in sorted(EXAMPLES.glob("*.eml")):
        inbox.add(path.read_bytes())
    result = run_cli(config, "poll", "--once")
    assert result.returncode == 0, result.stderr
    replies = _outbox(tmp_path)
    assert len(replies) == 2
    text = b"\n".join(replies)
    assert b"example-01@adur-worthing.gov.uk" in text and b"example-02@southandvale" in text
    assert b"example-03" not in text
    for reply in replies:  # every reply links our form
        body = message_from_bytes(reply, policy=policy.default).get_body(("plain",))
        assert body is not None and form in body.get_content()
    assert not list((tmp_path / "inbox" / "new").iterdir())
    status = json.loads(run_cli(config, "status").stdout)
    assert status["messages"] == {"processed": 3}
    assert status["outbox"] == {"sent": 2}


def test_import_backfills_eml_and_mbox_once(tmp_path: Path, sqlite_url: str) -> None:
    """GIVEN an .eml and an .mbox WHEN imported twice THEN each message is stored once."""
    config = write_config(tmp_path, db_url=sqlite_url)
    eml = tmp_path / "one.eml"
    eml.write_bytes(submission_email(1))
    box = mailbox.mbox(tmp_path / "two.mbox")
    for i in (2, 3):
        box.add(submission_email(i))
    box.close()
    first = run_cli(config, "import", str(eml), str(tmp_path / "two.mbox"))
    assert json.loads(first.stdout) == {"new": 3, "known": 0, "processed": 3, "failed": 0}
    second = run_cli(config, "import", str(eml), str(tmp_path / "two.mbox"))
    assert json.loads(second.stdout)["known"] == 3
    assert Store(sqlite_url).submissions() == 3


def test_replay_reruns_a_quarantined_message(tmp_path: Path, sqlite_url: str) -> None:
    """GIVEN a quarantined message WHEN replayed THEN it is tried again and says why it fails;
    a processed message cannot be replayed."""
    config = write_config(tmp_path, db_url=sqlite_url)
    bad, good = tmp_path / "bad.eml", tmp_path / "good.eml"
    bad.write_bytes(broken_email())
    good.write_bytes(submission_email(4))
    run_cli(config, "import", str(bad), str(good))
    rows = {r.state: r.id for r in Store(sqlite_url).message_rows()}
    replay = run_cli(config, "replay", str(rows["quarantined"]))
    assert replay.returncode == 0 and json.loads(replay.stdout)["state"] == "quarantined"
    refused = run_cli(config, "replay", str(rows["processed"]))
    assert refused.returncode == 2 and "not failed" in refused.stderr


def test_extract_prints_contract_json_or_fails_clearly(tmp_path: Path) -> None:
    ok = run_cli(
        PROJECT / "service.yaml", "extract", str(EXAMPLES / "01-complete-legal.eml"), "--json"
    )
    assert ok.returncode == 0, ok.stderr
    result = json.loads(ok.stdout)
    assert result["kind"] == "submission" and result["submissions"][0]["missing"] == []
    missing = run_cli(PROJECT / "service.yaml", "extract", str(tmp_path / "nope.eml"))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1


def test_commands_refuse_an_unmigrated_database(tmp_path: Path) -> None:
    config = write_config(tmp_path, db_url=f"sqlite:///{tmp_path}/empty.db")
    result = run_cli(config, "status")
    assert result.returncode == 2 and "intake db upgrade" in result.stderr


def test_db_upgrade_creates_the_database(tmp_path: Path) -> None:
    config = write_config(tmp_path, db_url=f"sqlite:///{tmp_path}/new/intake.db")
    assert run_cli(config, "db", "upgrade").returncode == 0
    assert run_cli(config, "status").returncode == 0
    shutil.rmtree(tmp_path / "new")

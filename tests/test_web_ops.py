"""Operations: /healthz and /metrics, the dashboard, the server thread, ``intake staff add``."""

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

import pytest

from intake.cli import main
from intake.web.accounts import StaffAccount
from tests.support.web import ADMIN, WebEnv, council_email, kept_logging, open_env, sign_in


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path) -> Iterator[WebEnv]:
    yield from open_env(sqlite_url, tmp_path)


def test_healthz_is_open_and_reports_database_and_mailbox(env: WebEnv) -> None:
    client = env.client()
    response = client.get("/healthz")
    assert response.status_code == 503  # never polled: the mailbox is not known to work
    assert response.json()["database"] is True and response.json()["mailbox"] is False
    env.intake.ledger.mark_poll("test", "INBOX", error=None)
    healthy = client.get("/healthz")
    assert healthy.status_code == 200 and healthy.json()["ok"] is True
    assert healthy.json()["last_successful_poll"] is not None
    env.intake.ledger.mark_poll("test", "INBOX", error="login refused")
    assert client.get("/healthz").status_code == 503


def test_metrics_are_prometheus_text(env: WebEnv) -> None:
    from intake.web.health import observe_poll

    observe_poll(0.25)
    env.ingest(council_email(1))
    env.ingest(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    text = env.client().get("/metrics").text
    assert 'intake_messages{state="processed"} 1' in text
    assert (
        'intake_messages{state="quarantined"} 1' in text
        or 'intake_messages{state="failed"} 1' in text
    )
    assert "intake_queue_size 1" in text
    assert "intake_last_poll_duration_seconds 0.25" in text
    assert re.search(r"^intake_poll_duration_seconds_count [1-9]", text, re.M)
    for line in text.splitlines():
        assert line.startswith("#") or re.fullmatch(
            r'[a-z_]+(\{[a-z_]+="[a-z_]+"\})? [0-9.e+-]+', line
        ), line


def test_dashboard_shows_headline_figures_as_svg(env: WebEnv) -> None:
    env.ingest(council_email(1, savings="£350,000 a year"))
    env.ingest(
        council_email(
            2,
            lead="Adur District Council",
            partner="Worthing Borough Council",
            service="legal",
            domain="adur-worthing.gov.uk",
            savings="£3.4m to date",
        )
    )
    client = env.client()
    token = sign_in(client)
    for sub_id in (1, 2):
        client.post(f"/submissions/{sub_id}/approve", data={"csrf_token": token})
    page = client.get("/dashboard").text
    assert "<svg" in page
    figures = dict(re.findall(r'id="fig-([a-z_]+)"><strong>([^<]+)</strong>', page))
    assert figures["partnerships"] == "2"
    assert figures["achieved_annual"] == "£350,000"
    assert figures["achieved_cumulative"] == "£3,400,000"
    assert figures["expected_annual"] == "£0"


def test_serve_in_thread_answers_and_stops(env: WebEnv) -> None:
    from intake.web.server import serve_in_thread

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        env.intake.settings.web.port = port = s.getsockname()[1]
    stop = serve_in_thread(env.intake)
    try:
        with pytest.raises(HTTPError) as answered:
            urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert answered.value.code == 503  # answered: never polled yet
    finally:
        stop()
    with pytest.raises(URLError) as refused:
        urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
    assert not isinstance(refused.value, HTTPError)  # nobody answers any more


def test_serve_in_thread_says_when_the_port_is_taken(env: WebEnv) -> None:
    from intake.errors import ConfigError
    from intake.web.server import serve_in_thread

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env.intake.settings.web.port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match="could not listen"):
            serve_in_thread(env.intake)


def test_intake_staff_add_creates_an_account_from_the_environment(
    env: WebEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = env.intake.settings
    monkeypatch.setenv("INTAKE_DATABASE__URL", settings.database.url)
    monkeypatch.setenv("INTAKE_RULES_DIR", str(settings.rules_dir))
    monkeypatch.setenv("INTAKE_STAFF_PASSWORD", "a long enough password")
    config = ["--config", str(tmp_path / "service.yaml")]
    with kept_logging():
        assert main([*config, "staff", "add", "New.Person@lga.gov.uk", "--role", "admin"]) == 0
        assert main([*config, "staff", "add", "new.person@lga.gov.uk"]) == 2  # taken
        monkeypatch.setenv("INTAKE_STAFF_PASSWORD", "short")
        assert main([*config, "staff", "add", "other@lga.gov.uk"]) == 2
        client = env.client()
        sign_in(client, "new.person@lga.gov.uk", "a long enough password")
        assert client.get("/admin/accounts").status_code == 200


def test_an_admin_adds_and_deactivates_an_account(env: WebEnv) -> None:
    client = env.client()
    token = sign_in(client, ADMIN)
    added = client.post(
        "/admin/accounts",
        data={
            "csrf_token": token,
            "email": "kim@lga.gov.uk",
            "role": "reviewer",
            "password": "x" * 14,
        },
    )
    assert added.status_code == 200 and "kim@lga.gov.uk" in added.text
    kim = env.client()
    sign_in(kim, "kim@lga.gov.uk", "x" * 14)
    from sqlmodel import Session, select

    with Session(env.intake.engine) as session:
        kim_id = session.scalars(
            select(StaffAccount.id).where(StaffAccount.email == "kim@lga.gov.uk")
        ).one()
    client.post(f"/admin/accounts/{kim_id}", data={"csrf_token": token, "role": "reviewer"})
    assert kim.get("/queue", follow_redirects=False).status_code == 303  # deactivated: out at once
    short = client.post(
        "/admin/accounts",
        data={
            "csrf_token": token,
            "email": "lee@lga.gov.uk",
            "role": "reviewer",
            "password": "short",
        },
    )
    assert short.status_code == 400 and "at least 12" in short.text

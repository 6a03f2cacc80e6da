"""The queue, the submission page and the decisions, on SQLite and PostgreSQL.

Data comes from the real pipeline run on e-mails, as in production.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from intake.store import (
    ArrangementFingerprint,
    Event,
    MessageRecord,
    Reply,
    Submission,
    SubmissionHistory,
    SuppressedAddress,
)
from tests.support.web import REVIEWER, WebEnv, council_email, open_env, payload_email, sign_in


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> Iterator[WebEnv]:
    yield from open_env(db_url, tmp_path)


@pytest.fixture
def lite(sqlite_url: str, tmp_path: Path) -> Iterator[WebEnv]:
    yield from open_env(sqlite_url, tmp_path)


SOUTH_AND_VALE = council_email(
    2,
    lead="South Oxfordshire District Council",
    partner="Vale of White Horse District Council",
    service="revenues and benefits",
    domain="southandvale.gov.uk",
    savings=None,
)


def submission_ids(env: WebEnv) -> list[int]:
    with Session(env.intake.engine) as session:
        return [s.id for s in session.scalars(select(Submission).order_by(Submission.id)).all()]  # type: ignore[misc]


def state_of(env: WebEnv, sub_id: int) -> str:
    with Session(env.intake.engine) as session:
        sub = session.get(Submission, sub_id)
        assert sub is not None
        return sub.review_state


def signed_in(env: WebEnv) -> tuple[TestClient, str]:
    client = env.client()
    return client, sign_in(client)


def test_queue_lists_open_submissions_with_counts_filters_and_search(env: WebEnv) -> None:
    """GIVEN three submissions (one incomplete) and a broken message WHEN asked THEN as below."""
    env.ingest(council_email(1))
    env.ingest(SOUTH_AND_VALE)
    env.ingest(
        council_email(
            3,
            lead="Adur District Council",
            partner="Worthing Borough Council",
            service="legal",
            domain="adur-worthing.gov.uk",
        )
    )
    env.ingest(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    client, _ = signed_in(env)
    page = client.get("/queue").text
    assert page.count('href="/submissions/') == 3
    assert re.search(r'id="count-awaiting_council">[^<]*<strong>1<', page)
    assert re.search(r'id="count-failed">[^<]*<strong>1<', page)
    assert client.get("/queue?status=awaiting_council").text.count('href="/submissions/') == 1
    assert client.get("/queue?area=legal").text.count('href="/submissions/') == 1
    assert client.get("/queue?region=South+East").text.count('href="/submissions/') == 2
    assert client.get("/queue?region=South+West").text.count('href="/submissions/') == 1
    assert client.get("/queue?council=E07000078").text.count('href="/submissions/') == 1
    assert client.get("/queue?q=worthing").text.count('href="/submissions/') == 1
    assert client.get("/queue?q=nothing-like-this").text.count('href="/submissions/') == 0
    failed = client.get("/queue?status=failed").text
    assert failed.count('href="/messages/') == 1


def test_queue_pages_oldest_first(lite: WebEnv) -> None:
    for n in range(27):
        lite.ingest(council_email(n))
    client, _ = signed_in(lite)
    first = client.get("/queue").text
    refs = re.findall(r'href="/submissions/(\d+)"', first)
    assert len(refs) == 25 and refs[0] == "1" and "Page 1 of 2" in first
    second = client.get("/queue?page=2").text
    assert re.findall(r'href="/submissions/(\d+)"', second) == ["26", "27"]


def test_submission_page_shows_fields_beside_the_original_with_attachment(lite: WebEnv) -> None:
    lite.ingest(council_email(1, attachment=("notes.bin", b"\x00\x01secret bytes")))
    sub_id = submission_ids(lite)[0]
    client, _ = signed_in(lite)
    page = client.get(f"/submissions/{sub_id}").text
    assert "Cheltenham Borough Council" in page and "Cotswold District Council" in page
    assert 'id="original-text"' in page and "Lead council: Cheltenham" in page
    assert "£350,000 annual, achieved" in page
    assert "Received" in page and "submission_created" in page.replace(
        "Submission created", "submission_created"
    )
    download = client.get(f"/messages/{sub_id}/attachments/0")
    assert download.content == b"\x00\x01secret bytes"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["content-type"] == "application/octet-stream"
    assert client.get(f"/messages/{sub_id}/attachments/5").status_code == 404
    assert client.get("/submissions/999").status_code == 404


def test_payloads_in_a_message_are_escaped_everywhere(lite: WebEnv) -> None:
    lite.ingest(payload_email())
    client, _ = signed_in(lite)
    for path in ("/queue", "/submissions/1", "/messages/1"):
        page = client.get(path).text
        assert "<script>window" not in page and "<img src=x" not in page, path
        assert '<b id="bold">' not in page and "<iframe" not in page, path
    assert "&lt;script&gt;window.__pwned" in client.get("/messages/1").text


def test_edit_corrects_a_council_from_the_gazetteer_and_keeps_history(env: WebEnv) -> None:
    env.ingest(council_email(1))
    sub_id = submission_ids(env)[0]
    client, token = signed_in(env)
    form = client.get(f"/submissions/{sub_id}/edit").text
    assert 'name="org_code_0"' in form
    data = {
        "csrf_token": token,
        "title": "Joint waste team",
        "org_code_0": "E07000078",
        "org_role_0": "lead",
        "org_code_1": "E07000081",
        "org_role_1": "partner",
        "service_areas": ["waste"],
        "saving_amount_0": "350,000",
        "saving_period_0": "annual",
        "saving_basis_0": "achieved",
        "description": "A single waste team for both councils.",
        "status": "operational",
        "start_year": "2014",
    }
    response = client.post(f"/submissions/{sub_id}/edit", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"]).text
    organisations = page.split('<ul id="organisations">')[1].split("</ul>")[0]
    assert "Gloucester City Council (partner, E07000081)" in organisations
    assert "Cotswold" not in organisations
    with Session(env.intake.engine) as session:
        changes = session.scalars(
            select(SubmissionHistory.field).where(SubmissionHistory.submission_id == sub_id)
        ).all()
        actors = set(session.scalars(select(SubmissionHistory.actor)).all())
        edited = session.scalars(select(Event).where(Event.action == "edited")).one()
    assert {"organisations", "title"} <= set(changes) and actors == {REVIEWER}
    assert edited.actor == REVIEWER
    with Session(env.intake.engine) as session:  # later duplicates are matched on the correction
        fingerprint = session.scalars(
            select(ArrangementFingerprint).where(ArrangementFingerprint.submission_id == sub_id)
        ).one()
    assert fingerprint.codes == "E07000078 E07000081" and fingerprint.areas == "waste"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("org_code_0", "E99999999", "not in the gazetteer"),
        ("start_year", "20x4", "not a year"),
        ("saving_amount_0", "lots", "whole number"),
        ("arrangement_type", "merger", "arrangement_type"),
        ("service_areas", "knitting", "unknown service area"),
    ],
)
def test_edit_refuses_what_intake_would_not_accept(
    lite: WebEnv, field: str, value: str, message: str
) -> None:
    lite.ingest(council_email(1))
    client, token = signed_in(lite)
    response = client.post("/submissions/1/edit", data={"csrf_token": token, field: value})
    assert response.status_code == 400 and message in response.text
    assert lite.intake.engine  # nothing written:
    with Session(lite.intake.engine) as session:
        assert session.scalars(select(SubmissionHistory)).first() is None


def test_approve_publishes_and_a_second_decision_is_refused(env: WebEnv) -> None:
    env.ingest(council_email(1))
    client, token = signed_in(env)
    response = client.post(
        "/submissions/1/approve", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303 and state_of(env, 1) == "approved"
    assert "Cheltenham" in client.get("/published").text
    again = client.post("/submissions/1/reject", data={"csrf_token": token, "reason": "x"})
    assert again.status_code == 409 and state_of(env, 1) == "approved"
    with Session(env.intake.engine) as session:
        event = session.scalars(select(Event).where(Event.action == "approved")).one()
    assert event.actor == REVIEWER and event.submission_id == 1
    reopened = client.post("/submissions/1/reopen", data={"csrf_token": token})
    assert reopened.status_code == 200 and state_of(env, 1) == "pending"
    assert "Cheltenham" not in client.get("/published").text  # unpublished
    assert client.post("/submissions/1/reopen", data={"csrf_token": token}).status_code == 409


@pytest.mark.parametrize(
    ("path", "data", "state"),
    [
        ("reject", {"reason": "Not a shared service"}, "rejected"),
        ("not-submission", {}, "not_submission"),
    ],
)
def test_reject_and_not_a_submission(
    lite: WebEnv, path: str, data: dict[str, str], state: str
) -> None:
    lite.ingest(council_email(1))
    client, token = signed_in(lite)
    client.post(f"/submissions/1/{path}", data={"csrf_token": token} | data)
    assert state_of(lite, 1) == state
    page = client.get("/submissions/1").text
    assert "Approve and publish" not in page


def test_reject_needs_a_reason(lite: WebEnv) -> None:
    lite.ingest(council_email(1))
    client, token = signed_in(lite)
    assert (
        client.post("/submissions/1/reject", data={"csrf_token": token, "reason": " "}).status_code
        == 409
    )
    assert state_of(lite, 1) == "pending"


def test_ask_the_council_writes_the_edited_reply_to_the_outbox(env: WebEnv) -> None:
    env.ingest(council_email(1))
    client, token = signed_in(env)
    form = client.get("/submissions/1/ask").text
    assert 'name="subject"' in form and "SS-" in form
    text = "Dear Jo,\n\nCould you tell us the savings? <b>Thanks</b>\n\nLGA"
    response = client.post(
        "/submissions/1/ask",
        data={"csrf_token": token, "subject": "About your example [SS-1]", "text": text},
    )
    assert response.status_code == 200
    with Session(env.intake.engine) as session:
        reply = session.scalars(select(Reply).order_by(Reply.id.desc())).first()  # type: ignore[union-attr]
        asked = session.scalars(select(Event).where(Event.action == "asked_council")).one()
    assert reply is not None and reply.subject == "About your example [SS-1]"
    assert reply.to_address == "jo.bloggs1@cheltenham.gov.uk" and reply.state == "pending"
    assert b"Could you tell us the savings?" in reply.raw and b"&lt;b&gt;Thanks" in reply.raw
    assert asked.actor == REVIEWER and state_of(env, 1) == "awaiting_council"
    assert "About your example" in client.get("/submissions/1").text


def test_replay_reruns_a_failed_message(lite: WebEnv) -> None:
    broken = lite.ingest(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    client, token = signed_in(lite)
    page = client.get(f"/messages/{broken}").text
    assert "Replay this message" in page
    response = client.post(f"/messages/{broken}/replay", data={"csrf_token": token})
    assert response.status_code == 200
    with Session(lite.intake.engine) as session:
        row = session.get(MessageRecord, broken)
        requested = session.scalars(select(Event).where(Event.action == "replay_requested")).one()
    assert row is not None and row.attempts == 2 and requested.actor == REVIEWER
    ok = lite.ingest(council_email(5))
    assert client.post(f"/messages/{ok}/replay", data={"csrf_token": token}).status_code == 409
    assert client.post("/messages/999/replay", data={"csrf_token": token}).status_code == 404


def test_a_duplicate_candidate_is_shown_side_by_side_and_merged(env: WebEnv) -> None:
    env.ingest(council_email(1, savings=None))
    env.ingest(council_email(2, subject="Our waste partnership"))
    client, token = signed_in(env)
    assert state_of(env, 2) == "duplicate_candidate"
    page = client.get("/submissions/2").text
    assert "Possible duplicate of" in page and "<mark>" in page and "Merge into" in page
    response = client.post("/submissions/2/merge", data={"csrf_token": token})
    assert response.status_code == 200
    assert state_of(env, 2) == "merged" and state_of(env, 1) == "awaiting_council"
    with Session(env.intake.engine) as session:
        filled = session.scalars(
            select(SubmissionHistory.field).where(SubmissionHistory.submission_id == 1)
        ).all()
        merged = session.scalars(select(Event).where(Event.action == "merged")).one()
    assert "savings" in filled and merged.actor == REVIEWER
    assert client.post("/submissions/1/merge", data={"csrf_token": token}).status_code == 409


def test_the_ask_page_warns_when_the_address_bounced_before(lite: WebEnv) -> None:
    lite.ingest(council_email(1))
    with Session(lite.intake.engine) as session:
        session.add(
            SuppressedAddress(address="jo.bloggs1@cheltenham.gov.uk", reason="550 no such user")
        )
        session.commit()
    client, _ = signed_in(lite)
    page = client.get("/submissions/1/ask").text
    assert "bounced before (550 no such user)" in page

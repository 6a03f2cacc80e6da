"""Every page: labels on every field, no inline script or style, clear error pages."""

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.support.web import ADMIN, WebEnv, council_email, open_env, sign_in

PAGES = [
    "/queue",
    "/queue?status=failed",
    "/submissions/1",
    "/submissions/1/edit",
    "/submissions/1/ask",
    "/messages/1",
    "/messages/2",
    "/published",
    "/dashboard",
    "/admin/accounts",
    "/admin/settings",
]


class FieldsAndLabels(HTMLParser):
    """Collects form fields that need a label, the labels' targets, and inline script/style."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str] = []
        self.labelled: set[str] = set()
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.fields.append(a.get("id") or f"<{tag} name={a.get('name')} without id>")
        if tag == "label" and a.get("for"):
            self.labelled.add(a["for"] or "")
        if tag == "script" or "style" in a or any(k.startswith("on") for k in a):
            self.inline.append(f"<{tag} {a}>")


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path) -> Iterator[WebEnv]:
    yield from open_env(sqlite_url, tmp_path)


def test_every_field_on_every_page_has_a_label_and_nothing_runs_inline(env: WebEnv) -> None:
    env.ingest(council_email(1))
    env.ingest(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    client = env.client()
    sign_in(client, ADMIN)
    for path in ["/sign-in", *PAGES]:
        response = client.get(path)
        assert response.status_code == 200, path
        page = FieldsAndLabels()
        page.feed(response.text)
        assert page.fields or path in (
            "/published",
            "/dashboard",
            "/admin/settings",
            "/messages/1",
            "/messages/2",
            "/submissions/1",
            "/queue?status=failed",
        )
        unlabelled = [f for f in page.fields if f not in page.labelled]
        assert unlabelled == [], (path, unlabelled)
        assert page.inline == [], (path, page.inline)
        assert '<html lang="en-GB">' in response.text and 'href="#main"' in response.text


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/submissions/999", 404, "There is no submission 999"),
        ("/messages/999", 404, "There is no message 999"),
        ("/no-such-page", 404, "Not found"),
        ("/published/export.pdf", 404, "No export as pdf"),
        ("/queue?page=x", 400, "Check the form"),
    ],
)
def test_errors_are_clear_pages(env: WebEnv, path: str, status: int, words: str) -> None:
    client = env.client()
    sign_in(client)
    response = client.get(path)
    assert response.status_code == status and words in response.text
    assert response.headers["content-type"].startswith("text/html")

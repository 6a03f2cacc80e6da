"""How replies read: rules/replies.yaml wording rendered through templates/email."""

import re
import shutil
from pathlib import Path
from typing import get_args

import jinja2
import pytest
import yaml

from intake.contract import (
    SERVICE_AREAS,
    MissingField,
    Organisation,
    Saving,
    SubmissionEntry,
)
from intake.errors import RulesError
from intake.reply import MissingItem, ReplyContext, ReplyKind
from intake.reply.render import ReplyRenderer

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
RULES = ROOT / "rules"
REFERENCE = "SS-2026-00042"
KINDS: tuple[ReplyKind, ...] = get_args(ReplyKind)


@pytest.fixture(scope="module")
def renderer() -> ReplyRenderer:
    return ReplyRenderer(TEMPLATES, RULES)


def legal_service() -> SubmissionEntry:
    return SubmissionEntry(
        title="Adur and Worthing shared legal service",
        organisations=[
            Organisation(name="Adur District Council", code="E07000223", role="lead"),
            Organisation(name="Worthing Borough Council", code="E07000229"),
        ],
        service_areas=["legal", "audit_fraud"],
        arrangement_type="shared_service",
        status="operational",
        start_year=2013,
        savings=[Saving(amount_gbp=350000, period="annual", basis="achieved", year="2017/18")],
        description="One legal team serves both councils.",
    )


def resilience_partnership() -> SubmissionEntry:
    return SubmissionEntry(
        organisations=[Organisation(name="Mid Suffolk District Council")],
        service_areas=["emergency_planning"],
        savings_none_reason="the aim was resilience, not savings",
        missing=["organisations", "description"],
    )


def context(kind: ReplyKind, entries: list[SubmissionEntry], **changes: object) -> ReplyContext:
    fields: dict[str, object] = {
        "kind": kind,
        "reference": REFERENCE,
        "recipient_name": "Jo Bloggs",
        "original_subject": "Our shared legal team",
        "entries": entries,
        "duplicate_of": "SS-2025-00007" if kind == "duplicate" else None,
        "form_url": "https://example.org/shared-services/form",
    }
    return ReplyContext.model_validate(fields | changes)


ENTRY_SETS = {
    "one": [legal_service()],
    "several": [legal_service(), resilience_partnership()],
    "none": [],
}


# --- every template ---------------------------------------------------------


def test_every_kind_has_both_templates() -> None:
    names = {p.name for p in (TEMPLATES / "email").glob("*.j2") if not p.name.startswith("_")}
    assert names == {f"{kind}.{part}.j2" for kind in KINDS for part in ("txt", "html")}


def test_a_missing_template_fails_at_start(tmp_path: Path) -> None:
    shutil.copytree(TEMPLATES, tmp_path, dirs_exist_ok=True)
    (tmp_path / "email" / "duplicate.html.j2").unlink()
    with pytest.raises(jinja2.TemplateNotFound, match="duplicate"):
        ReplyRenderer(tmp_path, RULES)


def test_templates_are_read_once_at_start(tmp_path: Path) -> None:
    """GIVEN a renderer WHEN its template files go away THEN every kind still renders.

    Each render reads nothing from disk: the templates were compiled at start.
    """
    shutil.copytree(TEMPLATES, tmp_path, dirs_exist_ok=True)
    renderer = ReplyRenderer(tmp_path, RULES)
    shutil.rmtree(tmp_path / "email")
    for kind in KINDS:
        missing = renderer.missing_items(["savings"]) if kind == "query" else []
        reply = renderer.render(context(kind, ENTRY_SETS["several"], missing=missing))
        assert "Shared Services team" in reply.text and "Shared Services team" in reply.html


def test_a_broken_shared_template_fails_at_start(tmp_path: Path) -> None:
    shutil.copytree(TEMPLATES, tmp_path, dirs_exist_ok=True)
    (tmp_path / "email" / "_base.txt.j2").write_text("{% if %}", encoding="utf-8")
    with pytest.raises(jinja2.TemplateSyntaxError):
        ReplyRenderer(tmp_path, RULES)


def test_undefined_variables_fail_loudly(renderer: ReplyRenderer) -> None:
    assert renderer.env.undefined is jinja2.StrictUndefined
    with pytest.raises(jinja2.UndefinedError):
        renderer.env.from_string("{{ no_such_thing }}").render()


@pytest.mark.parametrize("entries", ENTRY_SETS.values(), ids=ENTRY_SETS.keys())
@pytest.mark.parametrize("kind", KINDS)
def test_every_template_renders(
    renderer: ReplyRenderer, kind: ReplyKind, entries: list[SubmissionEntry]
) -> None:
    """GIVEN any kind and any number of arrangements THEN both parts render, signed."""
    missing = renderer.missing_items(["savings"]) if kind == "query" else []
    reply = renderer.render(context(kind, entries, missing=missing))
    for body in (reply.text, reply.html):
        assert "Dear Jo Bloggs," in body
        assert "Shared Services team" in body
        assert "https://example.org/shared-services/form" in body
    assert REFERENCE in reply.subject
    assert reply.html.lstrip().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("kind", KINDS)
def test_without_name_or_form(renderer: ReplyRenderer, kind: ReplyKind) -> None:
    entries = ENTRY_SETS["several"]
    reply = renderer.render(context(kind, entries, recipient_name=None, form_url=None))
    assert reply.text.startswith("Hello,\n")
    assert "<p>Hello,</p>" in reply.html
    assert "online form" not in reply.text
    assert "online form" not in reply.html


@pytest.mark.parametrize("kind", KINDS)
def test_html_has_no_images_scripts_or_external_resources(
    renderer: ReplyRenderer, kind: ReplyKind
) -> None:
    html = renderer.render(context(kind, ENTRY_SETS["several"], form_url=None)).html
    for banned in ("<img", "<script", "<link", "<style", "src=", "url(", "http"):
        assert banned not in html.lower()


# --- acknowledgement ---------------------------------------------------------


def test_acknowledgement_summarises_what_was_understood(renderer: ReplyRenderer) -> None:
    text = renderer.render(context("acknowledgement", [legal_service()])).text
    expected_lines = [
        f"We have recorded it under reference {REFERENCE}.",
        "Adur and Worthing shared legal service",
        "- Organisations: Adur District Council (lead), Worthing Borough Council",
        "- Services: Legal services, internal audit and counter-fraud",
        "- Type: Shared service",
        "- Savings: £350,000 a year (achieved, 2017/18)",
        "- Started: 2013",
        "- Status: In operation",
    ]
    assert f"We have recorded it under reference {REFERENCE}." in text
    for line in expected_lines[1:]:
        assert line in text.splitlines()
    assert "reply to this e-mail" in text


def test_acknowledgement_of_several_numbers_them(renderer: ReplyRenderer) -> None:
    text = renderer.render(context("acknowledgement", ENTRY_SETS["several"])).text
    assert "1. Adur and Worthing shared legal service" in text.splitlines()
    assert "2. Arrangement 2" in text.splitlines()
    assert "- Savings: No cash savings (the aim was resilience, not savings)" in text.splitlines()
    assert "recorded them under reference" in text


def test_html_summary_shows_the_same_facts(renderer: ReplyRenderer) -> None:
    html = renderer.render(context("acknowledgement", [legal_service()])).html
    assert "<li>Savings: £350,000 a year (achieved, 2017/18)</li>" in html
    assert "<li>Organisations: Adur District Council (lead), Worthing Borough Council</li>" in html


def test_html_escapes_a_hostile_organisation_name(renderer: ReplyRenderer) -> None:
    entry = legal_service()
    entry.organisations[1].name = "<script>alert('x')</script> Council"
    entry.title = "Evil & <b>bold</b>"
    reply = renderer.render(context("acknowledgement", [entry]))
    assert "<script>" not in reply.html
    assert "<b>bold</b>" not in reply.html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Council" in reply.html
    assert "Evil &amp; &lt;b&gt;bold&lt;/b&gt;" in reply.html
    assert "<script>alert('x')</script> Council" in reply.text  # plain text is not HTML


@pytest.mark.parametrize(
    ("amount", "period", "basis", "year", "words"),
    [
        (350000, "annual", "achieved", "2017/18", "£350,000 a year (achieved, 2017/18)"),
        (1200000, "cumulative", "expected", None, "£1,200,000 in total (expected)"),
        (50000, "one_off", "achieved", "2019", "£50,000 one-off (achieved, 2019)"),
        (999, "annual", "expected", None, "£999 a year (expected)"),
    ],
)
def test_saving_in_words(
    renderer: ReplyRenderer, amount: int, period: str, basis: str, year: str | None, words: str
) -> None:
    saving = Saving.model_validate(
        {"amount_gbp": amount, "period": period, "basis": basis, "year": year}
    )
    assert renderer.saving_words(saving) == words


def test_summary_leaves_out_what_is_unknown(renderer: ReplyRenderer) -> None:
    entry = SubmissionEntry(organisations=[Organisation(name="A Council")])
    summary = renderer.summarise(entry, 3)
    assert summary.title == "Arrangement 3"
    assert summary.lines == [("Organisations", "A Council")]


# --- query --------------------------------------------------------------------


def test_query_lists_exactly_what_is_missing_with_examples(renderer: ReplyRenderer) -> None:
    missing = renderer.missing_items(["savings", "service_areas"])
    text = renderer.render(context("query", [legal_service()], missing=missing)).text
    lines = text.splitlines()
    numbered = [line for line in lines if re.match(r"\d+\. ", line)]
    assert numbered == [f"1. {missing[0].question}", f"2. {missing[1].question}"]
    assert f"   For example: {missing[0].example}" in lines
    assert f"   For example: {missing[1].example}" in lines
    assert "Still needed" not in text  # one arrangement: the list says it all


def test_query_html_is_an_ordered_list(renderer: ReplyRenderer) -> None:
    missing = renderer.missing_items(["description"])
    html = renderer.render(context("query", [legal_service()], missing=missing)).html
    assert re.search(r"<ol[^>]*>\s*<li[^>]*>Please describe", html)
    assert html.count("<li style=") == 1


def test_query_without_missing_asks_what_the_entries_lack(renderer: ReplyRenderer) -> None:
    """GIVEN several arrangements and no explicit list THEN each lack is asked once."""
    entries = [resilience_partnership(), resilience_partnership()]
    text = renderer.render(context("query", entries)).text
    questions = text.split("with the following:")[1].splitlines()
    assert [line for line in questions if re.match(r"\d+\. ", line)] == [
        "1. " + renderer.rules.missing["organisations"].question,
        "2. " + renderer.rules.missing["description"].question,
    ]
    assert "- Still needed: The organisations taking part, a short description" in text


def test_query_with_nothing_to_ask_is_refused(renderer: ReplyRenderer) -> None:
    with pytest.raises(ValueError, match="nothing to ask"):
        renderer.render(context("query", [legal_service()]))


# --- duplicate ----------------------------------------------------------------


def test_duplicate_is_short_and_names_the_existing_record(renderer: ReplyRenderer) -> None:
    text = renderer.render(context("duplicate", [legal_service()])).text
    assert "already recorded under reference SS-2025-00007" in text
    assert "passed any new details" in text
    assert "Organisations:" not in text
    assert len(text.splitlines()) <= 15


def test_duplicate_without_existing_reference_uses_the_reference(
    renderer: ReplyRenderer,
) -> None:
    text = renderer.render(context("duplicate", [], duplicate_of=None)).text
    assert f"already recorded under reference {REFERENCE}" in text


# --- subjects -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "subject"),
    [
        ("Shared legal service", f"Re: Shared legal service [{REFERENCE}]"),
        ("Re: Shared legal service", f"Re: Shared legal service [{REFERENCE}]"),
        ("RE: Re: re:Shared legal service", f"Re: Shared legal service [{REFERENCE}]"),
        ("RE[2]: Shared legal service", f"Re: Shared legal service [{REFERENCE}]"),
        ("AW: Gemeinsame Dienste", f"Re: Gemeinsame Dienste [{REFERENCE}]"),
        ("Fwd: Shared legal service", f"Re: Fwd: Shared legal service [{REFERENCE}]"),
        (f"Re: Shared legal service [{REFERENCE}]", f"Re: Shared legal service [{REFERENCE}]"),
        (f"Re: {REFERENCE.lower()} savings", f"Re: {REFERENCE.lower()} savings"),
        ("Re: Ref SS-2025-00001", f"Re: Ref SS-2025-00001 [{REFERENCE}]"),
        ("  Shared\n  legal\tservice ", f"Re: Shared legal service [{REFERENCE}]"),
        ("Regional partnership", f"Re: Regional partnership [{REFERENCE}]"),
        ("", f"Re: Your shared services example [{REFERENCE}]"),
        ("Re:", f"Re: Your shared services example [{REFERENCE}]"),
    ],
)
def test_subject(renderer: ReplyRenderer, original: str, subject: str) -> None:
    assert renderer.subject_for(original, REFERENCE) == subject


# --- wording rules ----------------------------------------------------------------


@pytest.mark.parametrize("field", get_args(MissingField))
def test_every_missing_field_has_a_question_and_an_example(
    renderer: ReplyRenderer, field: MissingField
) -> None:
    [item] = renderer.missing_items([field])
    assert item == MissingItem(
        field=field,
        question=renderer.rules.missing[field].question,
        example=renderer.rules.missing[field].example,
    )
    assert item.question and item.example


def test_missing_items_keep_order_and_drop_repeats(renderer: ReplyRenderer) -> None:
    items = renderer.missing_items(["savings", "organisations", "savings"])
    assert [i.field for i in items] == ["savings", "organisations"]


def test_every_service_area_has_a_readable_label(renderer: ReplyRenderer) -> None:
    labels = renderer.rules.service_areas
    assert set(labels) == set(SERVICE_AREAS)
    assert all(label and "_" not in label for label in labels.values())


def rules_copy(tmp_path: Path, drop: tuple[str, str]) -> Path:
    data = yaml.safe_load((RULES / "replies.yaml").read_text(encoding="utf-8"))
    del data[drop[0]][drop[1]]
    (tmp_path / "replies.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("drop", "named"),
    [
        (("missing", "savings"), "missing.savings"),
        (("service_areas", "legal"), "service_areas.legal"),
        (("sign_off", "closing"), "sign_off.closing"),
    ],
)
def test_rules_without_some_wording_are_refused(
    tmp_path: Path, drop: tuple[str, str], named: str
) -> None:
    with pytest.raises(RulesError, match=re.escape(named)):
        ReplyRenderer(TEMPLATES, rules_copy(tmp_path, drop))


def test_missing_rules_file_is_a_rules_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"replies\.yaml"):
        ReplyRenderer(TEMPLATES, tmp_path)


def test_wording_comes_from_the_rules_file(tmp_path: Path) -> None:
    shutil.copy(RULES / "replies.yaml", tmp_path / "replies.yaml")
    path = tmp_path / "replies.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Kind regards,", "Best wishes,"),
        encoding="utf-8",
    )
    reply = ReplyRenderer(TEMPLATES, tmp_path).render(context("duplicate", []))
    assert "Best wishes," in reply.text
    assert "Kind regards," not in reply.text

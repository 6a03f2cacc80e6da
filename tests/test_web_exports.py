"""The map's data read back: CSV and Excel columns, GeoJSON validity, the command line."""

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from intake.cli import main
from intake.web.exports import COLUMNS, SAVING_COLUMNS
from tests.support.web import WebEnv, council_email, kept_logging, open_env, sign_in


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> Iterator[WebEnv]:
    yield from open_env(db_url, tmp_path)


def publish(env: WebEnv) -> None:
    """Two arrangements approved, one left pending (it must not be exported)."""
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
    env.ingest(
        council_email(
            3,
            lead="Babergh District Council",
            partner="Mid Suffolk District Council",
            service="planning",
            domain="baberghmidsuffolk.gov.uk",
        )
    )
    client = env.client()
    token = sign_in(client)
    for sub_id in (1, 2):
        assert (
            client.post(f"/submissions/{sub_id}/approve", data={"csrf_token": token}).status_code
            == 200
        )


def download(env: WebEnv, fmt: str) -> bytes:
    client = env.client()
    sign_in(client)
    response = client.get(f"/published/export.{fmt}")
    assert response.status_code == 200
    assert (
        response.headers["content-disposition"] == f'attachment; filename="shared-services.{fmt}"'
    )
    return response.content


def test_csv_has_the_columns_and_one_row_per_published_arrangement(env: WebEnv) -> None:
    publish(env)
    rows = list(csv.DictReader(io.StringIO(download(env, "csv").decode("utf-8-sig"))))
    assert list(rows[0]) == COLUMNS
    by_lead = {r["lead"]: r for r in rows}
    assert set(by_lead) == {"Cheltenham Borough Council", "Adur District Council"}
    cheltenham = by_lead["Cheltenham Borough Council"]
    assert cheltenham["savings_achieved_annual"] == "350000"
    assert cheltenham["savings_achieved_cumulative"] == ""
    assert by_lead["Adur District Council"]["savings_achieved_cumulative"] == "3400000"
    assert by_lead["Adur District Council"]["savings_achieved_annual"] == ""
    assert cheltenham["council_codes"] == "E07000078; E07000079"
    assert cheltenham["regions"] == "South West"


def test_xlsx_reads_back_with_the_same_columns(env: WebEnv) -> None:
    publish(env)
    sheet = load_workbook(io.BytesIO(download(env, "xlsx")), read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS and len(rows) == 3
    annual = rows[0].index("savings_achieved_annual")
    assert sorted(r[annual] or 0 for r in rows[1:]) == [0, 350000]


def test_geojson_is_a_valid_feature_collection_with_council_locations(env: WebEnv) -> None:
    publish(env)
    data = json.loads(download(env, "geojson"))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 2
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        geometry = feature["geometry"]
        assert geometry["type"] == "MultiPoint" and len(geometry["coordinates"]) == 2
        for lon, lat in geometry["coordinates"]:
            assert -9 < lon < 2 and 49 < lat < 61  # in Great Britain, (lon, lat) order
        assert {c["code"] for c in feature["properties"]["councils"]} <= set(
            feature["properties"]["council_codes"].split("; ")
        )
        assert set(SAVING_COLUMNS) <= set(feature["properties"])


@pytest.mark.parametrize(
    ("value", "cell"),
    [('=HYPERLINK("x")', '\'=HYPERLINK("x")'), ("+1", "'+1"), ("Plain", "Plain")],
)
def test_cells_that_a_spreadsheet_would_run_are_quoted(value: str, cell: str) -> None:
    from intake.web.exports import _safe_cell

    assert _safe_cell(value) == cell


def test_intake_export_writes_each_format(
    env: WebEnv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    publish(env)
    settings = env.intake.settings
    monkeypatch.setenv("INTAKE_DATABASE__URL", settings.database.url)
    monkeypatch.setenv("INTAKE_RULES_DIR", str(settings.rules_dir))
    monkeypatch.setenv("INTAKE_TEMPLATES_DIR", str(settings.templates_dir))
    config = ["--config", str(tmp_path / "service.yaml")]
    with kept_logging():
        out = tmp_path / "map.geojson"
        assert main([*config, "export", "--format", "geojson", "--output", str(out)]) == 0
        assert len(json.loads(out.read_text())["features"]) == 2
        assert main([*config, "export", "--format", "json"]) == 0
        assert len(json.loads(capsysbinary.readouterr().out)) == 2

"""Settings: service.yaml documented and valid, INTAKE_* overrides, one-line errors."""

from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from intake.config import Settings, load_settings
from intake.errors import ConfigError

PROJECT = Path(__file__).resolve().parents[1]
SERVICE_YAML = PROJECT / "service.yaml"


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += _keys(annotation, f"{prefix}{name}.")
        else:
            keys.append(f"{prefix}{name}")
    return keys


def _documented(text: str) -> dict[str, bool]:
    """Key path -> whether a comment line stands right above it."""
    found, stack, previous = {}, [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and ":" in stripped:
            depth = (len(line) - len(line.lstrip())) // 2
            stack = [*stack[:depth], stripped.split(":", 1)[0]]
            found[".".join(stack)] = previous.startswith("#")
        if stripped:
            previous = stripped
    return found


@pytest.mark.parametrize("key", _keys(Settings))
def test_every_setting_is_in_service_yaml_with_a_comment(key: str) -> None:
    documented = _documented(SERVICE_YAML.read_text(encoding="utf-8"))
    assert key in documented, f"{key} is missing from service.yaml"
    assert documented[key], f"{key} has no comment above it in service.yaml"


def test_service_yaml_loads_and_names_only_real_settings() -> None:
    settings = load_settings(SERVICE_YAML, environ={})
    assert settings.inbox.backend == "maildir"
    assert settings.database.url.startswith("sqlite:///var/")


def test_environment_overrides_any_key() -> None:
    env = {
        "INTAKE_IMAP__PASSWORD": "s3cret",
        "INTAKE_POLL__INTERVAL_SECONDS": "5",
        "INTAKE_TEST_POSTGRES": "postgresql://x",
        "INTAKE_CRASH_AT": "x:1",
    }
    settings = load_settings(SERVICE_YAML, environ=env)
    assert (settings.imap.password, settings.poll.interval_seconds) == ("s3cret", 5)


@pytest.mark.parametrize(
    ("content", "env", "message"),
    [
        ("imap:\n  port: lots\n", {}, "imap.port: Input should be a valid integer"),
        ("imap:\n  prot: 993\n", {}, "imap.prot: Extra inputs are not permitted"),
        ("inbox: [1, 2]\n", {}, "inbox: Input should be a valid dictionary"),
        ("imap: {port: 1\n", {}, "not valid YAML"),
        ("", {"INTAKE_OUTBOX__TRANSPORT": "pigeon"}, "outbox.transport: Input should be"),
    ],
)
def test_a_wrong_setting_is_one_line_naming_the_key(
    tmp_path: Path, content: str, env: dict[str, str], message: str
) -> None:
    path = tmp_path / "service.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ=env)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_named_file_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_settings(tmp_path / "other.yaml", environ={})


def test_the_yaml_has_no_key_the_settings_lack() -> None:
    data = yaml.safe_load(SERVICE_YAML.read_text(encoding="utf-8"))
    Settings.model_validate(data)  # extra="forbid" everywhere: raises on a stray key

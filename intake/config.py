"""Settings: ``service.yaml`` plus ``INTAKE_*`` environment overrides, built once at start.

Any key can be overridden by an environment variable named ``INTAKE_`` + the key
path in upper case joined by ``__`` (``imap.password`` -> ``INTAKE_IMAP__PASSWORD``);
that is how secrets stay out of the file.
"""

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from intake.errors import ConfigError

ENV_PREFIX = "INTAKE_"
# INTAKE_* variables that are not settings: the file to read, test harness switches.
NOT_SETTINGS = ("INTAKE_CONFIG", "INTAKE_CRASH_AT", "INTAKE_STAFF_PASSWORD", "INTAKE_TEST_")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InboxSettings(Section):
    backend: Literal["maildir", "imap"] = "maildir"
    maildir: Path = Path("var/inbox")


class ImapSettings(Section):
    host: str = "localhost"
    port: int = 993
    security: Literal["ssl", "starttls", "plain"] = "ssl"
    verify_certificate: bool = True
    username: str = ""
    password: str = ""
    auth: Literal["password", "xoauth2"] = "password"
    oauth_token: str = ""
    oauth_token_command: str = ""
    folder: str = "INBOX"
    batch_size: int = Field(100, ge=1, le=5000)
    after_action: Literal["none", "flag", "move"] = "none"
    after_flag: str = "$IntakeProcessed"
    after_move_folder: str = "Processed"
    idle: bool = True
    idle_renew_seconds: int = Field(300, ge=10)
    timeout_seconds: float = Field(30, gt=0)


class PollSettings(Section):
    interval_seconds: int = Field(60, ge=1)
    batch_size: int = Field(100, ge=1, le=5000)
    workers: int = Field(1, ge=0, le=64)
    workers_from: int = Field(50, ge=1)


class DatabaseSettings(Section):
    url: str = "sqlite:///var/intake.db"


class LimitsSettings(Section):
    max_message_bytes: int = 30_000_000
    max_attachment_bytes: int = 15_000_000
    max_pdf_pages: int = 30
    max_table_rows: int = 1000


class OutboxSettings(Section):
    transport: Literal["maildir", "smtp"] = "maildir"
    maildir: Path = Path("var/outbox")
    from_address: str = "sharedservices@local.gov.uk"
    from_name: str = "LGA Shared Services"
    send_interval_seconds: int = Field(10, ge=1)
    max_attempts: int = Field(8, ge=1)
    backoff_seconds: float = Field(30, ge=0)
    max_backoff_seconds: float = Field(3600, ge=0)
    stale_claim_seconds: int = Field(300, ge=1)
    per_sender_daily_cap: int = Field(5, ge=0)
    form_url: str = ""
    reply_to_unverified: bool = True


class SmtpSettings(Section):
    host: str = "localhost"
    port: int = 587
    security: Literal["ssl", "starttls", "plain"] = "starttls"
    verify_certificate: bool = True
    username: str = ""
    password: str = ""
    timeout_seconds: float = Field(30, gt=0)


class LoggingSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["json", "text"] = "json"


class WebSettings(Section):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    session_secret: str = ""
    session_hours: int = Field(12, ge=1)
    base_url: str = "http://127.0.0.1:8000"


class Settings(Section):
    inbox: InboxSettings = Field(default_factory=InboxSettings)
    imap: ImapSettings = Field(default_factory=ImapSettings)
    poll: PollSettings = Field(default_factory=PollSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    rules_dir: Path = Path("rules")
    templates_dir: Path = Path("templates")


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name.startswith(NOT_SETTINGS):
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return tree


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_settings(path: Path | None, environ: dict[str, str] | None = None) -> Settings:
    """Read ``path`` (missing file = embedded defaults) and apply INTAKE_* overrides."""
    data: dict[str, Any] = {}
    if path is not None and path.exists():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            raise ConfigError(f"{path}: not valid YAML: {e}".splitlines()[0]) from e
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: the top level must be a mapping of sections")
        data = loaded or {}
    elif path is not None and path.name != "service.yaml":
        raise ConfigError(f"{path}: no such configuration file")
    data = _merge(data, _env_overrides(dict(os.environ if environ is None else environ)))
    try:
        return Settings.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"{path or 'settings'}: {key}: {err['msg']}") from e

"""A private Dovecot IMAP server for tests, on a free port of 127.0.0.1.

Each ``DovecotServer`` writes its own config, users and mail folder into a
temporary directory and runs ``dovecot -c CONFIG``; ``stop()`` runs ``doveadm -c
CONFIG stop``. The settings follow /work/shared/specs/test-services.md: login and
internal processes run as the unprivileged ``dovenull``/``dovecot`` users and the
mail folder belongs to ``dovecot``, which is what lets it run as root.

Two settings keep tests fast: ``auth_failure_delay = 0``, and the anvil
``anvil-auth-penalty`` socket closed to the auth process (mode 0), which turns off
Dovecot's per-IP penalty: otherwise one wrong password delays every login from
127.0.0.1 by up to 15 s for the next half minute.

XOAUTH2 works too: Dovecot's oauth2 passdb asks a small in-process HTTP endpoint
(RFC 7662 introspection) about the token; each account gets its own token.

``DovecotServer(tls=True)`` also serves IMAPS with a self-signed certificate made
at start, and requires TLS (IMAPS or STARTTLS) before login.
"""

import itertools
import json
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from imapclient import IMAPClient

from intake.config import ImapSettings

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
INSTALL_HINT = "apt-get install dovecot-imapd"
START_TIMEOUT_SECONDS = 10.0
APPEND_CHUNK = 500  # messages per MULTIAPPEND command
APPENDUID = re.compile(rb"\[APPENDUID \d+ ([\d:,]+)\]")

CONFIG_TEMPLATE = """\
instance_name = {instance}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
listen = 127.0.0.1
protocols = imap
default_internal_user = dovecot
default_login_user = dovenull
mail_uid = dovecot
mail_gid = dovecot
first_valid_uid = 100
mail_location = maildir:{root}/mail/%u
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
auth_failure_delay = 0
{ssl}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/users/%u
  mechanisms = plain login
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2
  args = {root}/oauth2.conf.ext
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/mail/%u allow_all_users=yes
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
  }}
}}
"""

OAUTH2_TEMPLATE = """\
introspection_mode = post
introspection_url = {url}
username_attribute = username
active_attribute = active
active_value = true
"""
SSL_OFF = "ssl = no"
SSL_REQUIRED = "ssl = required\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem"


@dataclass(frozen=True)
class ImapAccount:
    """One user of a test server: what a client needs to log in."""

    username: str
    password: str
    host: str
    port: int
    oauth_token: str = ""  # accepted by XOAUTH2 for this user only


class TokenIntrospection(BaseHTTPRequestHandler):
    """RFC 7662 introspection as Dovecot's oauth2 passdb asks it: POST token=..."""

    tokens: dict[str, str]  # token -> username, filled by DovecotServer.add_user

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        user = self.tokens.get(parse_qs(body).get("token", [""])[0])
        answer = {"active": True, "username": user} if user else {"active": False}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read Dovecot's log, not this one."""


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def unverified_ssl_context() -> ssl.SSLContext:
    """A client context that accepts the server's self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class DovecotServer:
    """A running Dovecot instance with its own users, mail and log."""

    def __init__(self, tls: bool = False) -> None:
        self.tls = tls
        self.host = "127.0.0.1"
        self.port = 0
        self.imaps_port = 0
        self.root = Path()
        self.config = Path()
        self._user_numbers = itertools.count(1)
        self._tokens: dict[str, str] = {}
        self._introspection: ThreadingHTTPServer | None = None

    def start(self) -> None:
        if not Path(DOVECOT).exists():
            raise RuntimeError(f"{DOVECOT} is missing: {INSTALL_HINT}")
        self.root = Path(tempfile.mkdtemp(prefix="intake-dovecot-"))
        self.root.chmod(0o755)  # the dovecot user must reach mail/ below it
        (self.root / "mail").mkdir()
        shutil.chown(self.root / "mail", "dovecot", "dovecot")
        (self.root / "users").mkdir()
        self.port = free_port()
        self.imaps_port = free_port() if self.tls else 0
        if self.tls:
            self._make_certificate()
        (self.root / "oauth2.conf.ext").write_text(OAUTH2_TEMPLATE.format(url=self._serve_tokens()))
        self.config = self.root / "dovecot.conf"
        self.config.write_text(self._config_text())
        self._start_daemon()
        self._wait_until_listening(self.imaps_port if self.tls else self.port)

    def stop(self) -> None:
        if self.config.is_file():
            subprocess.run(
                [DOVEADM, "-c", str(self.config), "stop"], capture_output=True, check=False
            )
            shutil.rmtree(self.root, ignore_errors=True)
        if self._introspection is not None:
            self._introspection.shutdown()
            self._introspection.server_close()
            self._introspection = None

    def restart(self, down_seconds: float = 0.0) -> None:
        """Stop the daemon, keep its mail and port, start it again: a server outage."""
        subprocess.run([DOVEADM, "-c", str(self.config), "stop"], capture_output=True, check=False)
        time.sleep(down_seconds)
        self._start_daemon()
        self._wait_until_listening(self.imaps_port if self.tls else self.port)

    def add_user(self) -> ImapAccount:
        """A new user with an empty mailbox.

        Each user gets a passwd-file of its own (``users/%u``): Dovecot checks a
        known passwd-file for changes at most once a second, so a user appended to
        one shared file could be refused for up to a second; a new file is read
        at the user's first login.
        """
        username = f"user{next(self._user_numbers)}"
        password = secrets.token_hex(8)
        (self.root / "users" / username).write_text(f"{username}:{{PLAIN}}{password}\n")
        token = secrets.token_urlsafe(16)
        self._tokens[token] = username
        return ImapAccount(username, password, self.host, self.port, token)

    def client(self, account: ImapAccount) -> IMAPClient:
        """A logged-in client (IMAPS on a TLS server, plain IMAP otherwise)."""
        if self.tls:
            client = IMAPClient(
                self.host, self.imaps_port, ssl=True, ssl_context=unverified_ssl_context()
            )
        else:
            client = IMAPClient(self.host, self.port, ssl=False, timeout=10)
        client.login(account.username, account.password)
        return client

    def append(self, account: ImapAccount, data: bytes, folder: str = "INBOX") -> int:
        """Deliver one message; returns its UID."""
        return self.append_many(account, [data], folder)[0]

    def append_many(
        self, account: ImapAccount, messages: list[bytes], folder: str = "INBOX"
    ) -> list[int]:
        """Deliver messages over one connection (MULTIAPPEND); returns their UIDs in order."""
        with self.client(account) as client:
            if folder != "INBOX" and not client.folder_exists(folder):
                client.create_folder(folder)
            uids: list[int] = []
            for start in range(0, len(messages), APPEND_CHUNK):
                _status, lines = client.multiappend(folder, messages[start : start + APPEND_CHUNK])
                uids += _appended_uids(lines[-1])
        return uids

    def set_uidvalidity(self, account: ImapAccount, folder: str, uidvalidity: int) -> None:
        """Give ``folder`` a new UIDVALIDITY, as a server does after rebuilding it."""
        self._run(
            DOVEADM, "-c", str(self.config), "mailbox", "update", "-u", account.username,
            "--uid-validity", str(uidvalidity), folder,
        )  # fmt: skip

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _config_text(self) -> str:
        ssl_lines = SSL_REQUIRED if self.tls else SSL_OFF
        return CONFIG_TEMPLATE.format(
            instance=f"intake-test-{self.port}",
            root=self.root,
            port=self.port,
            imaps_port=self.imaps_port,
            ssl=ssl_lines.format(root=self.root),
        )

    def _make_certificate(self) -> None:
        self._run(
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(self.root / "key.pem"), "-out", str(self.root / "cert.pem"),
        )  # fmt: skip

    def _serve_tokens(self) -> str:
        """Start the token introspection endpoint; returns its URL."""
        handler = type("Introspection", (TokenIntrospection,), {"tokens": self._tokens})
        self._introspection = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self._introspection.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._introspection.server_address[1]}/introspect"

    def _start_daemon(self) -> None:
        # The daemon keeps whatever stdout/stderr it inherits open: give it a file,
        # not a pipe, or reading the pipe would wait for the server to exit.
        with (self.root / "start.log").open("w") as out:
            done = subprocess.run(
                [DOVECOT, "-c", str(self.config)], stdout=out, stderr=out, check=False
            )
        if done.returncode != 0:
            start_log = (self.root / "start.log").read_text(errors="replace")
            raise RuntimeError(f"dovecot did not start: {start_log}\n{self.log()}")

    def _run(self, *command: str) -> None:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command[:2])} failed: {done.stderr.strip()}\n{self.log()}"
            )

    def _wait_until_listening(self, port: int) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.host, port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not listen on {port}:\n{self.log()}")


def _appended_uids(response: bytes) -> list[int]:
    """UIDs from an APPENDUID response code, e.g. ``[APPENDUID 17 4:6]`` -> [4, 5, 6]."""
    found = APPENDUID.search(response)
    if found is None:
        raise RuntimeError(f"no APPENDUID in {response!r}")
    uids: list[int] = []
    for part in found.group(1).decode().split(","):
        first, _, last = part.partition(":")
        uids.extend(range(int(first), int(last or first) + 1))
    return uids


def _started(tls: bool) -> DovecotServer:
    if not Path(DOVECOT).exists():
        pytest.fail(f"Dovecot is needed for the IMAP tests: {INSTALL_HINT}", pytrace=False)
    server = DovecotServer(tls=tls)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[DovecotServer]:
    """One plain-IMAP Dovecot for the whole test session."""
    server = _started(tls=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dovecot_tls_server() -> Iterator[DovecotServer]:
    """A Dovecot requiring TLS: IMAPS on ``imaps_port``, STARTTLS on ``port``."""
    server = _started(tls=True)
    yield server
    server.stop()


@pytest.fixture
def imap_account(dovecot_server: DovecotServer) -> ImapAccount:
    """A fresh user, so an empty INBOX."""
    return dovecot_server.add_user()


@pytest.fixture
def imap_settings(imap_account: ImapAccount) -> ImapSettings:
    """ImapSettings for ``imap_account`` over plain IMAP (the test server has no TLS)."""
    return ImapSettings(
        host=imap_account.host,
        port=imap_account.port,
        security="plain",
        username=imap_account.username,
        password=imap_account.password,
        timeout_seconds=10,
    )

"""Serving the web app with uvicorn: alone (``intake web``) or beside the scheduler."""

import contextlib
import threading
import time
from collections.abc import Callable

import uvicorn

from intake.app import App
from intake.errors import ConfigError
from intake.web.app import create_app


def _server(app: App) -> uvicorn.Server:
    web = app.settings.web
    config = uvicorn.Config(
        create_app(app),
        host=web.host,
        port=web.port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
    )
    return uvicorn.Server(config)


def serve(app: App) -> None:
    """Run until interrupted (``intake web``)."""
    _server(app).run()


def serve_in_thread(app: App) -> Callable[[], None]:
    """Start the web app in a daemon thread; returns a function that stops it and waits.

    Raises ConfigError when the server cannot start (the port is taken, say).
    """
    server = _server(app)

    def run() -> None:
        with contextlib.suppress(SystemExit):  # uvicorn exits when it cannot bind, logged
            server.run()

    thread = threading.Thread(target=run, name="intake-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        server.should_exit = True
        web = app.settings.web
        raise ConfigError(f"web: could not listen on {web.host}:{web.port} (see the log)")

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return stop

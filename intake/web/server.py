"""Serving the web app with uvicorn: alone (``intake web``) or beside the scheduler."""

import threading
import time
from collections.abc import Callable

import uvicorn

from intake.app import App
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
    """Start the web app in a daemon thread; returns a function that stops it and waits."""
    server = _server(app)
    thread = threading.Thread(target=server.run, name="intake-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return stop

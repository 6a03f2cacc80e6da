"""One router per resource; ``ROUTERS`` is what ``create_app`` mounts."""

from intake.web.routes import queue, signin

ROUTERS = [signin.router, queue.router]

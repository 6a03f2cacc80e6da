"""One router per resource; ``ROUTERS`` is what ``create_app`` mounts."""

from intake.web.routes import messages, queue, signin, submissions

ROUTERS = [signin.router, queue.router, submissions.router, messages.router]

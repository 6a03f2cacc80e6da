"""One router per resource; ``ROUTERS`` is what ``create_app`` mounts."""

from intake.web.routes import admin, dashboard, messages, ops, published, queue, signin, submissions

ROUTERS = [
    signin.router,
    queue.router,
    submissions.router,
    messages.router,
    published.router,
    dashboard.router,
    admin.router,
    ops.router,
]

"""Following up the tasks the Government assigns (nhiệm vụ): from a conclusions notice, a
decision, a vote or a poll to done.

- :mod:`.models` tasks, their coordinators, reports and extension requests;
- :mod:`.access` who sees a task (a confidential one as its source) and who acts on it;
- :mod:`.sources` the source, loaded through its feature's rule; :mod:`.figures` on time /
  late / done on time / done late, in Python and SQL; :mod:`.services` assigning, reporting,
  accepting, returning, extending; :mod:`.queries` the lists and the dashboard's counts;
- :mod:`.parsing` task lines read out of a notice's text (organisations, Vietnamese dates);
- :mod:`.api` ``/api/v1/tasks…``; :mod:`.routes` the pages; :mod:`.events` ``tasks.follow``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ecabinet import api
    from ecabinet.dashboard.sections import register_provider
    from ecabinet.docs.access import grant_reading
    from ecabinet.tasks import (
        dashboard_routes,  # noqa: F401 - the dashboard's pages on bp
        events,  # noqa: F401 - declares the live handlers
        models,  # noqa: F401 - the tables, for migrations
    )
    from ecabinet.tasks.access import documents_read_through_tasks, reads_through_task
    from ecabinet.tasks.api import blp
    from ecabinet.tasks.cli import tasks_cli
    from ecabinet.tasks.reminders import dashboard_items
    from ecabinet.tasks.routes import bp

    grant_reading(reads_through_task, sql=documents_read_through_tasks)
    app.register_blueprint(bp)
    api.register(app, blp)
    app.cli.add_command(tasks_cli)
    register_provider("tasks", dashboard_items)

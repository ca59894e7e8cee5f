"""/live events of the follow-up dashboard.

- ``tasks.follow {}`` — the secretariat's open dashboard asks to hear of changes; from then on
  it gets ``tasks.changed {task_id, change, lead_id, status, standing}`` after each change
  commits (ids and states only: the page fetches what it shows through its own access rule).
"""

from __future__ import annotations

from flask_socketio import join_room

from ecabinet.identity.models import Role
from ecabinet.live.handlers import live_event
from ecabinet.tasks.services import FOLLOWERS_ROOM


@live_event("tasks.follow", Role.SECRETARIAT)
def follow(user, data):
    join_room(FOLLOWERS_ROOM)
    return {}

"""The dashboard's "Polls to answer" section (members) and "Written polls under way" (the
secretariat: the overdue ones first, with how many have answered)."""

from flask import url_for
from flask_babel import gettext as _

from ecabinet.dashboard.sections import DashboardItem
from ecabinet.i18n import page_datetime
from ecabinet.polls import services
from ecabinet.polls.models import PollStatus


def polls_to_answer(user) -> list[DashboardItem]:
    items = []
    for poll in services.list_polls(user):
        if poll.status != PollStatus.OPEN or poll.recipient(user.id) is None:
            continue
        if poll.response_of(user.id) is not None:
            continue
        overdue = services.is_overdue(poll)
        items.append(DashboardItem(
            title=poll.question, url=url_for("polls.show", poll_id=poll.id),
            detail=_("Deadline: %(when)s", when=page_datetime(poll.deadline)),
            badge=_("Overdue") if overdue else ""))
    return items


def polls_under_way(user) -> list[DashboardItem]:
    """Open polls for the secretariat to follow up: overdue first, then by deadline."""
    open_polls = [poll for poll in services.list_polls(user) if poll.status == PollStatus.OPEN]
    open_polls.sort(key=lambda poll: (not services.is_overdue(poll), poll.deadline))
    return [DashboardItem(
        title=poll.question, url=url_for("polls.show", poll_id=poll.id),
        detail=_("%(answered)d of %(recipients)d answered · deadline %(when)s",
                 answered=len(poll.responses), recipients=len(poll.recipients),
                 when=page_datetime(poll.deadline)),
        badge=_("Overdue") if services.is_overdue(poll) else "") for poll in open_polls]

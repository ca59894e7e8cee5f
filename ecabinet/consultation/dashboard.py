"""The dashboard's "Drafts to review" section: rounds waiting for the user's comments, and
for the drafting side, rounds with comments still unanswered."""

from flask import url_for
from flask_babel import gettext as _

from ecabinet.consultation import access, services
from ecabinet.dashboard.sections import DashboardItem
from ecabinet.i18n import page_datetime


def drafts_to_review(user) -> list[DashboardItem]:
    items = []
    for round_ in access.rounds_for(user):
        if not round_.is_open:
            continue
        url = url_for("consultation.show", round_id=round_.id)
        if access.is_reviewer(user, round_) and services.accepting_comments(round_):
            items.append(DashboardItem(
                title=round_.title, url=url,
                detail=_("Comments by %(when)s", when=page_datetime(round_.deadline))))
        elif access.is_drafting_side(user, round_.document):
            waiting = sum(1 for comment in services.all_threads(round_) if comment.answer is None)
            if waiting:
                items.append(DashboardItem(
                    title=round_.title, url=url_for("consultation.answers", round_id=round_.id),
                    detail=_("Comments to answer"), badge=str(waiting)))
    return items

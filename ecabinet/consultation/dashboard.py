"""The dashboard's "Drafts to review" section: rounds waiting for the user's comments (saying
which version, when a newer one has been uploaded meanwhile), and for the drafting side,
rounds with comments still unanswered."""

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
            newer = services.newer_version(round_)
            detail = _("Comments by %(when)s", when=page_datetime(round_.deadline)) \
                if newer is None else \
                _("Comments on version %(n)d by %(when)s; version %(newer)d has been uploaded",
                  n=round_.version.number, when=page_datetime(round_.deadline), newer=newer)
            items.append(DashboardItem(title=round_.title, url=url, detail=detail,
                                       badge=_("v%(n)d", n=round_.version.number)
                                       if newer is not None else ""))
        elif access.is_drafting_side(user, round_.document):
            waiting = sum(1 for comment in services.all_threads(round_) if comment.answer is None)
            if waiting:
                items.append(DashboardItem(
                    title=round_.title, url=url_for("consultation.answers", round_id=round_.id),
                    detail=_("Comments to answer"), badge=str(waiting)))
    return items

"""The clerk's pages: the incoming register, a document with its exchange history, the
quarantine; and the leader's "to assign" list on the dashboard."""

from __future__ import annotations

from flask import Blueprint, url_for
from flask_babel import gettext as _

from ecabinet.dashboard.sections import DashboardItem
from ecabinet.i18n import page_datetime
from ecabinet.interchange.incoming import workflow

bp = Blueprint("incoming", __name__, template_folder="templates")


def to_assign_items(user) -> list[DashboardItem]:
    return [DashboardItem(
        title=f"{d.symbol} — {d.subject}",
        url=url_for("incoming.show", document_id=d.id),
        detail=_("No. %(number)s/%(year)s from %(sender)s, %(when)s", number=d.number,
                 year=d.year, sender=d.sender_name, when=page_datetime(d.received_at)),
        badge=_("To assign")) for d in workflow.to_assign(user)]


@bp.route("/interchange/incoming/<int:document_id>")
def show(document_id: int):
    raise NotImplementedError

"""The dashboard's "Documents to sign" section: the signer's drafts, the clerk's signed ones."""

from flask import url_for
from flask_babel import gettext as _

from ecabinet.dashboard.sections import DashboardItem
from ecabinet.decisions import access
from ecabinet.i18n import page_datetime


def documents_to_sign(user) -> list[DashboardItem]:
    items = [DashboardItem(title=d.summary, url=url_for("decisions.show", decision_id=d.id),
                           detail=_("Drafted %(when)s", when=page_datetime(d.created_at)),
                           badge=_("Awaiting signature"))
             for d in access.awaiting_signature(user)]
    items += [DashboardItem(title=d.summary, url=url_for("decisions.show", decision_id=d.id),
                            detail=_("Signed by %(name)s", name=d.signer.name),
                            badge=_("To issue"))
              for d in access.awaiting_issue(user)]
    return items

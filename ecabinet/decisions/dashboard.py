"""The dashboard's "Documents to sign" section (the signer's drafts, the clerk's signed ones) and
"Documents received" (the notice of an issued document to its recipients)."""

from flask import url_for
from flask_babel import gettext as _

from ecabinet.dashboard.sections import DashboardItem
from ecabinet.decisions import access, distribution
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


def documents_received(user) -> list[DashboardItem]:
    """Issued documents delivered to the user or their organisation; "New" until one of its
    people opens it (the clerk sees who did)."""
    return [DashboardItem(
        title=f"{r.decision.symbol} — {r.decision.summary}",
        url=url_for("decisions.show", decision_id=r.decision_id),
        detail=_("Issued by %(issuer)s, %(when)s", issuer=r.decision.issuer.name,
                 when=page_datetime(r.delivered_at)),
        badge=_("New") if r.first_opened_at is None else "")
        for r in distribution.received_by(user)]

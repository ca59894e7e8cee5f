"""The clerk's outgoing register through the axis: /interchange/outgoing (and its .xlsx)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from ecabinet.decisions import access
from ecabinet.extensions import db
from ecabinet.identity.access import login_required
from ecabinet.identity.models import Organisation
from ecabinet.interchange.outgoing import register
from ecabinet.interchange.outgoing.models import ExchangeOutgoing
from ecabinet.interchange.outgoing.schemas import OutgoingRegisterArgsSchema
from ecabinet.registers import exports, filters

bp = Blueprint("interchange_outgoing", __name__, template_folder="templates")


@bp.route("/interchange/outgoing")
@login_required
def index():
    """Per document and recipient: sent, delivered, the status and its trace (the clerks and
    the secretariat, who follow the distribution). ``?format=xlsx`` exports the same rows."""
    access.require_distribution_follower(current_user)
    criteria = filters.parse(OutgoingRegisterArgsSchema(), request.args)
    rows = register.entries(**criteria)
    year = criteria["year"]
    if criteria.format:
        return exports.download(register.table(rows, year), criteria.format,
                                f"lien-thong-di-{year}")
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.id.in_(
            select(ExchangeOutgoing.organisation_id).distinct())).order_by(Organisation.name))
    return render_template("outgoing/register.html", rows=rows, filters=criteria, year=year,
                           years=register.years(), organisations=list(organisations),
                           labels=register.STATUS_LABELS, refused=register.refused())

"""The clerk's outgoing register through the axis: /interchange/outgoing (and its .xlsx)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from flask import Blueprint, render_template, request, send_file
from flask_login import current_user
from sqlalchemy import select

from ecabinet.decisions import access
from ecabinet.extensions import db
from ecabinet.identity.access import login_required
from ecabinet.identity.models import Organisation
from ecabinet.interchange.outgoing import register
from ecabinet.interchange.outgoing.models import ExchangeOutgoing

bp = Blueprint("interchange_outgoing", __name__, template_folder="templates")


@bp.route("/interchange/outgoing")
@login_required
def index():
    """Per document and recipient: sent, delivered, the status and its trace (the clerks and
    the secretariat, who follow the distribution). ``?format=xlsx`` exports the same rows."""
    access.require_distribution_follower(current_user)
    year = request.args.get("year", type=int) or datetime.now(UTC).year
    status = request.args.get("status") or None
    if status not in register.STATUS_LABELS and status != "none":
        status = None
    organisation_id = request.args.get("organisation_id", type=int)
    xlsx = request.args.get("format") == "xlsx"
    rows = register.entries(year, status=status, organisation_id=organisation_id)
    if xlsx:
        response = send_file(
            io.BytesIO(register.to_xlsx(rows, year)), as_attachment=True,
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            download_name=f"lien-thong-di-{year}.xlsx")
        response.headers["Cache-Control"] = "private, no-store"
        return response
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.id.in_(
            select(ExchangeOutgoing.organisation_id).distinct())).order_by(Organisation.name))
    return render_template("outgoing/register.html", rows=rows, year=year,
                           years=register.years(), status=status,
                           organisation_id=organisation_id, organisations=list(organisations),
                           labels=register.STATUS_LABELS, refused=register.refused())

"""The administrators' page to browse and filter the audit trail."""

from datetime import datetime, timedelta

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from ecabinet.audit import redaction, services
from ecabinet.i18n import VIETNAM
from ecabinet.identity.access import roles_required
from ecabinet.identity.models import Role

bp = Blueprint("audit", __name__, template_folder="templates")

PAGE_SIZE = 100


def _day(value: str | None, *, end: bool = False):
    try:
        day = datetime.strptime(value or "", "%Y-%m-%d").replace(tzinfo=VIETNAM)
    except ValueError:
        return None
    return day + timedelta(days=1) if end else day


@bp.route("/admin/audit")
@roles_required(Role.ADMIN)
def index():
    args = request.args
    entries = services.search(
        action=args.get("action") or None,
        actor_id=args.get("actor", type=int),
        object_type=args.get("object_type") or None,
        since=_day(args.get("since")),
        until=_day(args.get("until"), end=True),
        before_seq=args.get("before", type=int),
        limit=PAGE_SIZE,
    )
    report = services.verify_chain() if args.get("verify") else None
    older_url = None
    if len(entries) == PAGE_SIZE:
        kept = {k: v for k, v in args.items() if k not in ("before", "verify")}
        older_url = url_for("audit.index", before=entries[-1].seq, **kept)
    # Every line, but the details of one about an object the admin may not see (a
    # confidential item's title or vote) stay hidden: the rule of the object's feature decides.
    lines = redaction.lines_for(current_user._get_current_object(), entries)
    return render_template("audit/index.html", lines=lines, filters=args, report=report,
                           older_url=older_url)


@bp.route("/admin/audit/checkpoints")
@roles_required(Role.ADMIN)
def checkpoints_page():
    """The signed checkpoints, newest first, each downloadable to keep a copy elsewhere."""
    from ecabinet.audit import checkpoints

    return render_template("audit/checkpoints.html",
                           items=list(reversed(checkpoints.stored())))

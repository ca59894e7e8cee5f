"""The Government Office's follow-up dashboard: the figures by organisation and by month (as
tables and server-side SVG charts), filtered by source, meeting, organisation and period; the
same taken away as .xlsx and as a one-page PDF for the next regular meeting. Seen by those who
follow all tasks (the secretariat and the members), each figure counting only the tasks the
viewer may see."""

from __future__ import annotations

from flask import Response, render_template
from flask_babel import gettext as _
from flask_login import current_user

from ecabinet.errors import Forbidden
from ecabinet.identity.access import login_required
from ecabinet.tasks import access, charts, exports, intake, queries
from ecabinet.tasks.figures import today
from ecabinet.tasks.routes import bp, filters_from_request, source_words, standing_words

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _follower():
    user = current_user._get_current_object()
    if not access.follows_all(user):
        raise Forbidden(_("The follow-up dashboard is for the Government Office and the "
                          "members."))
    return user


def _figures(user):
    filters, on = filters_from_request(), today()
    figures = queries.by_organisation(user, filters, on=on)
    months = queries.by_month(user, filters, on=on)
    return filters, on, figures, queries.totals(figures), months


def _meetings():
    from sqlalchemy import select

    from ecabinet.extensions import db
    from ecabinet.meetings.models import Meeting
    from ecabinet.tasks.models import Task

    return list(db.session.execute(
        select(Meeting.id, Meeting.title).where(Meeting.id.in_(
            select(Task.meeting_id).distinct())).order_by(Meeting.starts_at.desc())).all())


@bp.route("/tasks/dashboard")
@login_required
def dashboard():
    user = _follower()
    filters, on, figures, totals, months = _figures(user)
    words = standing_words()
    legend = {**words, "assigned": _("Assigned")}
    return render_template(
        "tasks/dashboard.html", figures=figures, totals=totals, months=months,
        filters=filters, today=on, standing_words=words, source_words=source_words(),
        organisations=intake.directory(), meetings=_meetings(),
        chart_organisations=charts.by_organisation(figures, legend,
                                                   _("Tasks by lead organisation")),
        chart_months=charts.by_month(months, legend, _("Tasks assigned and done by month")),
        query=filters_query())


def filters_query() -> dict:
    from flask import request

    return {k: v for k, v in request.args.items() if v}


@bp.route("/tasks/dashboard.xlsx")
@login_required
def dashboard_xlsx():
    user = _follower()
    filters, on, figures, totals, months = _figures(user)
    tasks = _all(queries.listed(user, filters, on=on, coordinators=False)
                 .limit(exports.MAX_ROWS))
    names = queries.organisation_names(t.lead_id for t in tasks)
    data = exports.workbook(figures, totals, months, tasks, names, on)
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="theo-doi-nhiem-vu-{on:%Y%m%d}.xlsx"'})


def _all(query) -> list:
    from ecabinet.extensions import db

    return list(db.session.scalars(query))


@bp.route("/tasks/report.pdf")
@login_required
def report_pdf():
    user = _follower()
    filters, on, figures, totals, months = _figures(user)
    data = exports.report_pdf(figures, totals, months,
                              title="Báo cáo tình hình thực hiện nhiệm vụ",
                              subtitle=f"Chính phủ, Thủ tướng Chính phủ giao — số liệu đến "
                                       f"ngày {on:%d/%m/%Y}", on=on)
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="bao-cao-nhiem-vu-{on:%Y%m%d}.pdf"'})

"""Administrators keep the organisations directory from the browser."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ecabinet.database import unit_of_work
from ecabinet.errors import Conflict, Invalid
from ecabinet.extensions import db
from ecabinet.identity.access import roles_required
from ecabinet.identity.models import Role
from ecabinet.organisations import services
from ecabinet.organisations.forms import OrganisationForm
from ecabinet.web import Pager

bp = Blueprint("organisations", __name__, template_folder="templates")

TEXT_FIELDS = list(services.FIELDS)


@bp.route("/admin/organisations")
@roles_required(Role.ADMIN)
def index():
    search = request.args.get("q", "")[:200]
    pager = Pager.from_request()
    return render_template("organisations/index.html", paging=pager, search=search,
                           organisations=pager.rows(
                               services.directory_query(search, with_parents=True)))


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new():
    form = _form(None)
    if form.validate_on_submit():
        with _shown_on(form):
            with unit_of_work():
                organisation = services.create(actor=current_user, **_values(form),
                                               parent_id=form.parent_id.data or None)
            flash(_("Organisation %(name)s added.", name=organisation.name), "success")
            return redirect(url_for("organisations.index"))
    return render_template("organisations/form.html", form=form, organisation=None), \
        422 if form.errors else 200


@bp.route("/admin/organisations/<int:organisation_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(organisation_id: int):
    organisation = services.get(organisation_id)
    form = _form(organisation)
    if form.validate_on_submit():
        with _shown_on(form):
            with unit_of_work():
                services.update(organisation, actor=current_user, **_values(form),
                                parent_id=form.parent_id.data or None, active=form.active.data)
            flash(_("Saved."), "success")
            return redirect(url_for("organisations.index"))
    return render_template("organisations/form.html", form=form, organisation=organisation), \
        422 if form.errors else 200


def _form(organisation) -> OrganisationForm:
    form = OrganisationForm(obj=organisation)
    if organisation is not None and request.method == "GET":
        form.parent_id.data = organisation.parent_id or 0
    choices = [(0, "—")]
    for other in db.session.scalars(services.directory_query()):
        if organisation is None or other.id != organisation.id:
            label = f"{other.name} ({other.code})" if other.code else other.name
            choices.append((other.id, label))
    form.parent_id.choices = choices
    return form


def _values(form: OrganisationForm) -> dict:
    return {name: getattr(form, name).data for name in TEXT_FIELDS}


class _shown_on:  # noqa: N801 - used as a context manager, like refusal_shown
    """A refusal of the service shown next to the fields it names (or above the form)."""

    def __init__(self, form: OrganisationForm):
        self.form = form

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, _tb):
        if not isinstance(exc, Invalid | Conflict):
            return False
        shown = False
        for name, problems in (exc.details or {}).items():
            field = getattr(self.form, name, None)
            if field is not None and isinstance(problems, list):
                field.errors = [*field.errors, *problems]
                shown = True
        if not shown:
            self.form.name.errors = [*self.form.name.errors, exc.message]
        return True

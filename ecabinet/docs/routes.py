"""Pages of documents: the list a user may read, uploading (the same service as the API), a
document with its versions, the tablet viewer, and attaching a document to an agenda item from
the meeting's prepare page. Thin: load (404) → check (403) → service in one unit of work →
render or redirect. Live state (a conversion finishing) is fetched by the page's script from
the JSON API.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ecabinet.database import unit_of_work
from ecabinet.docs import access, services
from ecabinet.docs.models import Classification, Document, VersionState
from ecabinet.errors import NotFound
from ecabinet.extensions import db
from ecabinet.identity.access import login_required
from ecabinet.meetings import access as meeting_access
from ecabinet.meetings import room_config
from ecabinet.meetings.models import Meeting
from ecabinet.web import Pager, refusal_shown

bp = Blueprint("documents", __name__, template_folder="templates")

#: Room for the multipart envelope around a file of the largest accepted size (as the API).
_ENVELOPE = 1024 * 1024

CLASSIFICATION_LABELS = {
    Classification.NORMAL: _l("Normal"),
    Classification.CONFIDENTIAL: _l("Confidential"),
}

STATE_LABELS = {
    VersionState.CONVERTING: _l("Converting"),
    VersionState.READY: _l("Ready"),
    VersionState.FAILED: _l("Failed"),
}


#: What the file picker offers (the server decides by the content, whatever the name).
_ACCEPT = {"accept": ".docx,.pdf,application/pdf,"
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


class UploadForm(FlaskForm):
    file = FileField(_l("File (.docx or PDF)"),
                     validators=[FileRequired(message=_l("Choose a .docx or PDF file."))],
                     render_kw=_ACCEPT)
    title = StringField(_l("Title of the document"), validators=[Optional(), Length(max=500)],
                        description=_l("Leave empty to use the file's name."))
    classification = SelectField(_l("Classification"),
                                 choices=[SelectChoice(level.value, label)
                                          for level, label in CLASSIFICATION_LABELS.items()],
                                 default=Classification.NORMAL.value)


class VersionForm(FlaskForm):
    file = FileField(_l("New version (.docx or PDF)"),
                     validators=[FileRequired(message=_l("Choose a .docx or PDF file."))],
                     render_kw=_ACCEPT)


class AttachForm(FlaskForm):
    document_id = IntegerField(_l("Document"), validators=[DataRequired()])


def _user():
    return current_user._get_current_object()


def _max_bytes() -> int:
    return services.limits(current_app.config)["max_bytes"]


@bp.before_request
def _size_limit():
    """Uploads may be as large as ``DOCUMENT_MAX_BYTES``, whatever the app-wide limit."""
    request.max_content_length = _max_bytes() + _ENVELOPE


def _limit_text() -> str:
    """The upload limit for people: "50 MB" (or KB for a small test limit)."""
    size = _max_bytes()
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{max(size // 1024, 1)} KB"


def _too_large_message() -> str:
    return _("The file is too large: at most %(size)s.", size=_limit_text())


@bp.context_processor
def _limits():
    return {"upload_limit": _limit_text, "too_large_message": _too_large_message}


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    """A body over the limit is refused before it is read: say so on the form, not as a bare
    error page (the CSRF check, which reads the form first, raises this too)."""
    db.session.rollback()
    if request.endpoint == "documents.add_version":
        flash(_too_large_message(), "error")
        return redirect(url_for("documents.show", document_id=request.view_args["document_id"]))
    form = UploadForm(formdata=None)
    form.file.errors = [_too_large_message()]
    return render_template("docs/new.html", form=form, max_bytes=_max_bytes()), 413


@bp.app_context_processor
def _words():
    return {"doc_classification_label": lambda value: CLASSIFICATION_LABELS.get(value, value),
            "doc_state_label": lambda value: STATE_LABELS.get(value, value),
            "doc_conversion_error": services.error_message,
            "item_documents": _item_documents,
            "item_document_readers": _item_document_readers,
            "documents_to_attach": _documents_to_attach}


def _item_documents(item) -> list[dict]:
    """The documents of an agenda item the current user may read (the meeting pages list
    them)."""
    return access.documents_of_item(_user(), item)


def _item_document_readers(document_id: int, item) -> list:
    """Who reads a document through an item (the prepare page, for the organisers)."""
    document = db.session.get(Document, document_id)
    return access.readers_through_item(document, item) if document is not None else []


def _documents_to_attach() -> list[Document]:
    """What an organiser may put in a dossier: the newest documents they can read (looked up
    once per page, however many items list them)."""
    if "documents_to_attach" not in g:
        user = _user()
        newest = db.session.scalars(select(Document).order_by(Document.id.desc()).limit(300))
        g.documents_to_attach = [document for document in newest
                                 if access.can_read(user, document)]
    return g.documents_to_attach


# --- the list and uploading ----------------------------------------------------------------------

@bp.route("/documents")
@login_required
def index():
    user, paging = _user(), Pager.from_request()
    return render_template("docs/index.html",
                           documents=access.readable_documents(user, paging.rows),
                           paging=paging, can_upload=user.has_role(*access.UPLOADERS))


@bp.route("/documents/new", methods=["GET", "POST"])
@login_required
def new():
    access.require_uploader(_user())
    form = UploadForm()
    if form.validate_on_submit():
        sent = form.file.data
        with refusal_shown(form.file.errors.append) as refused:
            data = sent.stream.read(_max_bytes() + 1)
            with unit_of_work():
                document = services.upload(
                    _user(), data=data, filename=sent.filename, title=form.title.data,
                    classification=form.classification.data,
                    limits=services.limits(current_app.config))
            flash(_("The document was uploaded.") if document.latest.state ==
                  VersionState.READY else
                  _("The document was uploaded. Its PDF is being prepared."), "success")
            return redirect(url_for("documents.show", document_id=document.id))
        return render_template("docs/new.html", form=form, max_bytes=_max_bytes()), \
            refused.status
    return render_template("docs/new.html", form=form, max_bytes=_max_bytes()), \
        422 if form.errors else 200


# --- one document --------------------------------------------------------------------------------

def _document_page(document, *, version_form=None, status=200):
    user = _user()
    return render_template(
        "docs/show.html", document=document, items=access.visible_items(user, document),
        can_edit=access.can_edit(user, document), version_form=version_form or VersionForm(),
        original_allowed=access.can_read_original(user, document),
        max_bytes=_max_bytes()), status


@bp.route("/documents/<int:document_id>")
@login_required
def show(document_id: int):
    return _document_page(access.document_for(_user(), document_id))


@bp.route("/documents/<int:document_id>/versions", methods=["POST"])
@login_required
def add_version(document_id: int):
    document = access.document_for(_user(), document_id)
    form = VersionForm()
    if form.validate_on_submit():
        sent = form.file.data
        with refusal_shown(form.file.errors.append, passing=(403,)) as refused:
            data = sent.stream.read(_max_bytes() + 1)
            with unit_of_work():
                version = services.add_version(_user(), document, data=data,
                                               filename=sent.filename,
                                               limits=services.limits(current_app.config))
            flash(_("Version %(n)d was uploaded.", n=version.number), "success")
            return redirect(services.version_followup(_user(), document)
                            or url_for("documents.show", document_id=document.id))
        return _document_page(document, version_form=form, status=refused.status)
    return _document_page(document, version_form=form, status=422)


# --- the viewer ----------------------------------------------------------------------------------

def _meeting_context(user, document, meeting: Meeting | None) -> Meeting | None:
    """The live meeting the viewer was opened from, if the document is on its agenda."""
    if meeting is None:
        return None
    if not any(item.meeting_id == meeting.id for item in access.visible_items(user, document)):
        return None
    return meeting


@bp.route("/documents/<int:document_id>/versions/<int:number>/view")
@login_required
def view(document_id: int, number: int):
    user = _user()
    # The meeting first, held by this frame: the document's access rule then finds it (and
    # the reader's seat in it) loaded, instead of loading it once more.
    meeting_id = request.args.get("meeting", type=int)
    opened_from = meeting_access.meeting_for(user, meeting_id) if meeting_id else None
    version = access.version_for(user, document_id, number)
    document = version.document
    meeting = _meeting_context(user, document, opened_from)
    page = request.args.get("page", default=1, type=int)
    config = {
        "documentId": document.id,
        "version": version.number,
        "state": version.state,
        "pages": version.pages,
        "page": min(max(page, 1), version.pages or 1),
        "pdfUrl": url_for("documents_api.version_pdf", document_id=document.id,
                          number=version.number),
        "annotationsUrl": url_for("annotations_api.list_annotations", document_id=document.id,
                                  number=version.number),
        "statusUrl": url_for("documents_api.get_document", document_id=document.id),
        "viewerUrl": url_for("documents.view", document_id=0, number=0)
        .replace("/0/versions/0/", "/{document}/versions/{version}/"),
        "workerSrc": url_for("static", filename="vendor/pdfjs/pdf.worker.min.mjs"),
        "meetingId": meeting.id if meeting else None,
        "meetingStatus": meeting.status if meeting else None,
        "canPresent": bool(meeting and access.can_present(user, meeting)),
        "follow": request.args.get("follow") == "1",
        "words": _viewer_words(),
        # The room's panels over the document (the current item, the floor, the vote): the
        # same rights, state and words as the meeting room page.
        "room": room_config.room_config(user, meeting) if meeting else None,
    }
    return render_template("docs/viewer.html", document=document, version=version,
                           meeting=meeting, config=config,
                           sees_votes=bool(meeting and room_config.sees_votes(user, meeting)),
                           participant=bool(meeting and meeting.participant(user.id)))


def _viewer_words() -> dict:
    return {
        "loading": _("Loading the document…"),
        "loadFailed": _("The document could not be opened."),
        "converting": _("The PDF is being prepared. This page will open it when it is ready."),
        "saveFailed": _("Your annotation could not be saved. Try again."),
        "deleteNote": _("Delete"),
        "highlightHint": _("Drag over the page to highlight."),
        "noteHint": _("Tap the page where the note goes."),
        "following": _("Following the presenter"),
        "presenting": _("Your page turns are shown on the tablets that follow you."),
        "offline": _("Offline: reconnecting…"),
        "stopped": _("The presenter stopped presenting."),
        "noAnnotations": _("No annotations on this page."),
        "thumbnail": _("Page %(n)s", n="{n}"),
    }


# --- attaching to an agenda item (from the prepare page) -----------------------------------------

@bp.route("/agenda-items/<int:item_id>/documents", methods=["POST"])
@login_required
def attach(item_id: int):
    item = meeting_access.item_for(_user(), item_id)
    back = url_for("meetings.prepare", meeting_id=item.meeting_id) + f"#item-{item.id}"
    form = AttachForm()
    if not form.validate_on_submit():
        flash(_("Choose a document to attach."), "error")
        return redirect(back)
    with refusal_shown(None, passing=(403,)) as refused:
        with unit_of_work():
            link = services.attach(_user(), item, form.document_id.data)
        flash(_("The document was attached to item %(n)d.", n=item.position), "success")
        if link.document.confidential and not link.readers:
            flash(_("Only the secretariat can read this confidential document: invite the "
                    "members who should read it to this item."), "error")
    if refused:
        flash(_("No such document.") if isinstance(refused.error, NotFound) else
              refused.message, "error")
    return redirect(back)

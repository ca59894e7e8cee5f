"""Private annotations: a reader's highlights and notes on the pages of a version.

They belong to their author alone. Every query here is filtered by the author, so another
user — the secretariat or an admin included — finds nothing: an annotation of somebody else
answers 404 exactly like one that does not exist. Reading the version itself is checked first
(:func:`ecabinet.docs.access.version_for`); losing access to the document hides its notes too.

Annotations are private working notes, not records of the meeting, so they are deliberately not
written to the audit trail: its readers (admins) would learn who annotated which page of which
document, which is exactly what must stay private.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.docs.models import Annotation, AnnotationKind, DocumentVersion
from ecabinet.errors import Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import User

#: A reader marks a page or two, not thousands: more is a stuck or hostile client.
MAX_PER_VERSION = 2000
MAX_TEXT = 4000


def mine(user: User, version: DocumentVersion, page: int | None = None) -> list[Annotation]:
    """The user's own annotations on a version, page by page."""
    query = select(Annotation).where(Annotation.user_id == user.id,
                                     Annotation.version_id == version.id)
    if page is not None:
        query = query.where(Annotation.page == page)
    return list(db.session.scalars(query.order_by(Annotation.page, Annotation.id)))


def annotation_for(user: User, version: DocumentVersion, annotation_id: int) -> Annotation:
    """One of the user's annotations on this version, or 404 (whoever else wrote it)."""
    annotation = db.session.scalar(select(Annotation).where(
        Annotation.id == annotation_id, Annotation.user_id == user.id,
        Annotation.version_id == version.id))
    if annotation is None:
        raise NotFound(_("No such annotation."))
    return annotation


def _fraction(name: str, value, *, low: float = 0.0, high: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or \
            not math.isfinite(value) or not low <= value <= high:
        raise Invalid(_("%(name)s must be a number between 0 and 1.", name=name),
                      details={name: [value]})
    return float(value)


def _checked(version: DocumentVersion, values: dict) -> dict:
    """Validate a complete set of fields (after merging an update into the stored ones)."""
    kind = values.get("kind")
    if kind not in {k.value for k in AnnotationKind}:
        raise Invalid(_("An annotation is a highlight or a note."), details={"kind": [kind]})
    page = values.get("page")
    pages = version.pages or 0
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= max(pages, 1):
        raise Invalid(_("There is no such page in this document."), details={"page": [page]})
    x, y = _fraction("x", values.get("x")), _fraction("y", values.get("y"))
    width = _fraction("width", values.get("width") or 0.0)
    height = _fraction("height", values.get("height") or 0.0)
    if x + width > 1.0001 or y + height > 1.0001:
        raise Invalid(_("The annotation goes beyond the page."))
    text = values.get("text")
    if text is not None and not isinstance(text, str):
        raise Invalid(_("The note must be text."), details={"text": [text]})
    text = (text or "").strip()[:MAX_TEXT] or None
    if kind == AnnotationKind.HIGHLIGHT and (width <= 0 or height <= 0):
        raise Invalid(_("A highlight needs a width and a height."))
    if kind == AnnotationKind.NOTE:
        if not text:
            raise Invalid(_("A note needs some text."), details={"text": ["missing"]})
        width = height = 0.0
    return {"kind": kind, "page": page, "x": x, "y": y, "width": width, "height": height,
            "text": text}


def create(user: User, version: DocumentVersion, values: dict) -> Annotation:
    count = db.session.scalar(select(db.func.count(Annotation.id)).where(
        Annotation.user_id == user.id, Annotation.version_id == version.id))
    if count >= MAX_PER_VERSION:
        raise Invalid(_("You have too many annotations on this document."),
                      code="too_many_annotations")
    annotation = Annotation(version_id=version.id, user_id=user.id, **_checked(version, values))
    db.session.add(annotation)
    db.session.flush()
    return annotation


def update(annotation: Annotation, version: DocumentVersion, changes: dict) -> Annotation:
    """Move, resize or rewrite: the fields sent replace the stored ones (kind and page stay)."""
    current = {"kind": annotation.kind, "page": annotation.page, "x": annotation.x,
               "y": annotation.y, "width": annotation.width, "height": annotation.height,
               "text": annotation.text}
    editable = {"x", "y", "width", "height", "text"}
    current.update({key: value for key, value in changes.items() if key in editable})
    for key, value in _checked(version, current).items():
        setattr(annotation, key, value)
    annotation.updated_at = datetime.now(UTC)
    db.session.flush()
    return annotation


def delete(annotation: Annotation) -> None:
    db.session.delete(annotation)
    db.session.flush()

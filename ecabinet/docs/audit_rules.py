"""Which audit entries about documents a viewer may read in full.

A confidential (mật) document's title and versions are shown only to who reads it
(:func:`ecabinet.docs.access.can_read`); a document deleted since is known by what its
``document.upload`` entry recorded (``classification``): only the secretariat reads those.
Other features' entries that name a document (``document_id`` in their details: a poll's
dossier) ask :func:`document_shown` too.
"""

from __future__ import annotations

from ecabinet.audit.redaction import rule
from ecabinet.docs import access
from ecabinet.docs.models import Classification, Document
from ecabinet.extensions import db
from ecabinet.identity.models import Role


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def document_shown(viewer, document: Document | None, *,
                   recorded_confidential: bool = False) -> bool:
    if document is None:  # gone: what was recorded of it decides
        return not recorded_confidential or viewer.has_role(Role.SECRETARIAT)
    return not document.confidential or access.can_read(viewer, document)


def named_document_shown(viewer, details: dict) -> bool:
    """For an entry of another object whose details name a document (``document_id``)."""
    document_id = _int(details.get("document_id"))
    if document_id is None:
        return True
    return document_shown(viewer, db.session.get(Document, document_id),
                          recorded_confidential=True)


@rule(Document.__tablename__)
def _document_entry(viewer, entry, details) -> bool:
    document = db.session.get(Document, int(entry.object_id)) if entry.object_id else None
    return document_shown(viewer, document, recorded_confidential=(
        details.get("classification") == Classification.CONFIDENTIAL.value))

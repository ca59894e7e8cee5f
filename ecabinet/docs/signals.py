"""What other features may react to (consultation rounds, search, read receipts) without
reaching into the documents' internals. Receivers run inside the sender's transaction: they
flush, never commit."""

from blinker import Namespace

_signals = Namespace()

#: sender: the new DocumentVersion (flushed, with its number), kwargs: actor (User). The
#: documents' own job queue listens (:func:`ecabinet.docs.jobs.on_version_added`): a version
#: still converting (a .docx) is enqueued once the upload commits.
version_added = _signals.signal("document-version-added")

#: sender: the DocumentVersion whose PDF is now stored (a PDF upload at once, a .docx when its
#: conversion succeeds).
version_ready = _signals.signal("document-version-ready")

"""A tablet's read of its meeting built from the part every reader shares.

The whole read (``api.get_meeting``) loads the meeting, its items with their presenters and
invitees, its participants and the items' documents as ORM objects, then applies the rules for
its one reader: ~4 ms for the demo's meeting, paid by every tablet of the hall at its first read
after each change (a change moves every reader's ETag). What it loads is the same for every
reader; only the rules' verdicts differ. So the part every reader shares — the meeting's
fields and participants, each item as shown with the columns the rules read, each document's
entry with its own, who opened the invitation — is built once per meeting state (the row's
version and counts of those present and of those who opened it, which every change the read
shows moves: :mod:`.versions`) and kept with the joins' shared parts
(:func:`.snapshots.view_at`, by that version). A reader's body is that part cut by the same
rules, given the reader's columns from the early statement (:mod:`.conditional`):
:func:`.access.sees_item` for the items, :func:`ecabinet.docs.access.reads_listed` for their
documents, :func:`.access.is_organiser` for who opened the invitation.

The part is built after the statement that gave its version, so it is never older than the
version it is kept under (at worst newer, which the next read's ETag corrects).
``tests/reads/test_read_body.py`` holds the body equal to the whole read's for every kind of
reader.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecabinet.docs import access as documents_access
from ecabinet.extensions import db
from ecabinet.identity.models import Role
from ecabinet.meetings import access, notices, queries, snapshots
from ecabinet.meetings.conditional import Reading
from ecabinet.meetings.models import Meeting
from ecabinet.meetings.schemas import (
    MEETING_FIELDS,
    dump_invitation,
    dump_item,
    dump_meeting_head,
    dump_participant,
)

#: Where the part is kept among the joins' (an audience of its own: every reader).
_KEY = "meeting-read"


@dataclass(frozen=True)
class _Status:
    """The meeting as :func:`.access.sees_meeting` reads it through an item."""

    status: str


@dataclass(frozen=True)
class _Document:
    """A document attached to an item: the columns :func:`reads_listed` reads, and its entry
    in the item's list."""

    id: int
    created_by_id: int | None
    confidential: bool
    entry: dict


@dataclass(frozen=True)
class _Item:
    """An item: the columns :func:`.access.sees_item` reads, and the item as shown (without
    its documents, which depend on the reader)."""

    id: int
    confidential: bool
    invitee_ids: frozenset[int]
    meeting: _Status
    shown: dict
    documents: tuple[_Document, ...]


@dataclass(frozen=True)
class _Part:
    head: dict  # the meeting's fields and its participants
    items: tuple[_Item, ...]
    invitations: list[dict]  # for the organisers: who opened it, their e-mail


def _build(meeting_id: int) -> _Part:
    """The shared part, from the ORM as the whole read loads it (4 statements; 5 once the
    meeting is published: its invitations' e-mail)."""
    meeting = queries.load_whole(db.session.get(Meeting, meeting_id,
                                                options=queries.MEETING_ALONE))
    head = dump_meeting_head({name: getattr(meeting, name) for name in MEETING_FIELDS})
    head["participants"] = [dump_participant(p) for p in meeting.participants]
    status = _Status(meeting.status)
    items = []
    for item in meeting.items:
        shown = dump_item(item, [])
        del shown["documents"]
        documents = tuple(_Document(document.id, document.created_by_id, document.confidential,
                                    entry)
                          for document, entry in documents_access.listed_documents(item))
        items.append(_Item(item.id, item.confidential, frozenset(item.invitee_ids), status,
                           shown, documents))
    mails = notices.invitation_mails(meeting)
    invitations = [dump_invitation({"user_id": p.user_id,
                                    "opened_at": notices.opened_at(p, meeting),
                                    "email": mails.get(p.user_id)})
                   for p in meeting.participants]
    return _Part(head, tuple(items), invitations)


def body_for(found: Reading) -> dict:
    """The reader's body, as the whole read would answer it (its dict: the app's JSON
    encodes it)."""
    meeting = found.meeting
    part = snapshots.view_at(meeting.id, meeting.created_at, (
        meeting.version, meeting.present_count, meeting.opened_count)).get(
        _KEY, lambda: _build(meeting.id))
    reader, seat = found.reader, meeting.seat
    secretariat = reader.has_role(Role.SECRETARIAT)
    agenda = [{**item.shown, "documents": [
        document.entry for document in item.documents
        if documents_access.reads_listed(document, item, reader.id, seat, secretariat)]}
        for item in part.items if access.sees_item(item, seat, secretariat)]
    body = {**part.head, "agenda": agenda}
    if access.is_organiser(reader, meeting):  # nobody else learns who opened it
        body["invitations"] = part.invitations
    return body

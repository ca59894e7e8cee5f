"""A hall of tablets reading a meeting: the same meeting built with 2 and with 10 agenda items,
each item with its documents, so that a test can hold a read's statements to a bound that does
not grow with the agenda (no N+1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from ecabinet.database import unit_of_work
from ecabinet.docs.models import Document, DocumentVersion, ItemDocument
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM
from ecabinet.identity.services import get_user
from ecabinet.meetings import services
from ecabinet.meetings.models import Meeting
from tests.conftest import bearer
from tests.fixtures.users import cabinet_people


@dataclass
class Hall:
    meeting_id: int
    items: list[int]
    documents: list[int]
    tokens: dict  # name -> bearer token
    users: dict  # name -> UserRef

    def headers(self, who: str) -> dict:
        return bearer(self.tokens[who])


def _document(uploader_id: int, title: str, confidential: bool) -> Document:
    """A document with two ready versions, as rows (the upload path is tested elsewhere)."""
    document = Document(title=title, created_by_id=uploader_id,
                        classification="confidential" if confidential else "normal")
    for number in (1, 2):
        document.versions.append(DocumentVersion(
            number=number, kind="pdf", sha256=f"{number:064d}", size=1000,
            filename=f"v{number}.pdf", state="ready", pdf_sha256=f"{number:064d}", pages=3,
            created_by_id=uploader_id))
    db.session.add(document)
    return document


@pytest.fixture
def build_hall(app, make_user, token_for):
    """``build_hall(n_items)``: a published meeting of a chair, four members, a guest and a
    secretary; ``n_items`` items, every third one confidential (m1 invited), the guest invited
    to the first; each item with two documents (the confidential items' second one
    confidential too)."""

    def build(n_items: int) -> Hall:
        users = cabinet_people(make_user, secretary=("member", "Lê Thư Ký"))
        tokens = {name: token_for(user) for name, user in users.items()}
        with app.app_context():
            with unit_of_work():
                actor = get_user(users["secretariat"].id)
                meeting = services.create_meeting(
                    actor, title="Phiên họp Chính phủ thường kỳ",
                    starts_at=datetime(2026, 11, 30, 8, tzinfo=VIETNAM), location="Hà Nội")
                services.invite(actor, meeting, user_id=users["chair"].id, role="chair")
                for name in ("m1", "m2", "m3", "m4"):
                    services.invite(actor, meeting, user_id=users[name].id, role="member")
                services.invite(actor, meeting, user_id=users["guest"].id, role="guest")
                services.invite(actor, meeting, user_id=users["secretary"].id,
                                role="secretary")
                items, documents = [], []
                for n in range(n_items):
                    confidential = n % 3 == 2
                    invitees = [users["m1"].id] if confidential else (
                        [users["guest"].id] if n == 0 else [])
                    item = services.add_item(
                        actor, meeting, title=f"Nội dung {n + 1}", presenting_agency="Bộ Tư pháp",
                        presenter_id=users["m2"].id, duration_min=30,
                        confidential=confidential, invitee_ids=invitees)
                    for k in range(2):
                        document = _document(users["m2"].id, f"Tờ trình {n + 1}.{k + 1}",
                                             confidential and k == 1)
                        db.session.flush()
                        db.session.add(ItemDocument(item_id=item.id, document_id=document.id,
                                                    attached_by_id=actor.id))
                        documents.append(document.id)
                    items.append(item.id)
                services.transition(actor, meeting, "published")
                mid = meeting.id
            db.session.remove()
        return Hall(mid, items, documents, tokens, users)

    return build


@pytest.fixture
def open_meeting(app):
    """Mark every participant as having opened the meeting, so a read is a read (the first
    look records itself once: a write, not what the hall repeats)."""

    def mark(hall: Hall) -> None:
        from sqlalchemy import update

        from ecabinet.meetings.models import Participant

        with app.app_context():
            with unit_of_work():
                meeting = db.session.get(Meeting, hall.meeting_id)
                db.session.execute(update(Participant).where(
                    Participant.meeting_id == meeting.id).values(
                    opened_at=datetime.now(VIETNAM), changes_unseen_since=None))
            db.session.remove()

    return mark

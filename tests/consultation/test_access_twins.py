"""The consultation rules beside their SQL twins: each user's list of comments is exactly the
comments whose thread they may open, their list of rounds those they run or review, and the
documents SQL offers for a new round those the drafting side's predicate allows."""

from __future__ import annotations

from sqlalchemy import select

from ecabinet.consultation import access
from ecabinet.docs.models import Document
from ecabinet.extensions import db
from ecabinet.identity.models import User
from tests.consultation.test_api import comment
from tests.docs.conftest import upload
from tests.docs.corpus import pdf_bytes


def test_lists_are_what_each_user_may_open(app, client, call, cast, draft):
    ids = [comment(call, cast, draft, who=who, anchor=anchor)[1]["id"]
           for who, anchor in (("r1", "p:9"), ("r2", "p:2"))]
    status, other = upload(client, cast.headers("r1"), pdf_bytes(1), filename="khac.pdf",
                           title="Văn bản khác", classification="confidential")
    assert status == 201, other
    for who in cast.users:
        status, listed = call(cast, who, "GET",
                              f"/api/v1/consultation-rounds/{draft.round_id}/comments")
        opened = [cid for cid in ids
                  if call(cast, who, "GET", f"/api/v1/consultation-comments/{cid}")[0] == 200]
        if status == 404:  # not a round they may see: no comment of it either
            assert opened == [], who
            continue
        assert sorted(c["id"] for c in listed) == sorted(opened), who
        rounds = [r["id"] for r in call(cast, who, "GET", "/api/v1/consultation-rounds")[1]]
        assert rounds == ([draft.round_id] if who in ("drafter", "secretariat", "r1", "r2")
                          else []), who
    with app.app_context():
        documents = list(db.session.scalars(select(Document)))
        for user in db.session.scalars(select(User)):
            by_sql = {d.id for d in access.drafting_documents(user)}
            assert by_sql == {d.id for d in documents if access.is_drafting_side(user, d)}, \
                user.name

"""The polls' access rules beside their SQL twins: the list of polls is exactly the polls one
may open, and the dossier documents SQL lets a recipient read are those the predicate does."""

from __future__ import annotations

from sqlalchemy import select

from ecabinet.docs.models import Document
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.polls import access
from ecabinet.polls.models import Poll
from tests.conftest import bearer
from tests.polls.test_dossier import dossier_poll
from tests.polls.test_polls import send


def test_the_list_of_polls_is_what_each_user_may_open(app, client, people):
    users, tokens = people
    everyone, document = dossier_poll(client, tokens, classification="confidential")
    assert client.post(f"/api/v1/polls/{everyone['id']}/documents",
                       json={"document_id": document["id"]},
                       headers=bearer(tokens["secretariat"])).status_code == 201
    only_m1 = send(client, tokens["secretariat"], recipient_ids=[users["m1"].id]).get_json()
    polls = (everyone["id"], only_m1["id"])
    for who, token in tokens.items():
        listed = client.get("/api/v1/polls", headers=bearer(token))
        assert listed.status_code == 200, who
        opened = {poll_id for poll_id in polls
                  if client.get(f"/api/v1/polls/{poll_id}",
                                headers=bearer(token)).status_code == 200}
        assert {poll["id"] for poll in listed.get_json()} == opened, who
    with app.app_context():
        all_polls = list(db.session.scalars(select(Poll)))
        for user in db.session.scalars(select(User)):
            by_sql = set(db.session.scalars(access.visible_polls(user).with_only_columns(
                Poll.id)))
            assert by_sql == {p.id for p in all_polls if access.can_see(user, p)}, user.name
            granted = set(db.session.scalars(access.documents_read_through_polls(user)))
            assert granted == {d.id for d in db.session.scalars(select(Document))
                               if access.reads_through_poll(user, d)}, user.name
        m1 = db.session.get(User, users["m1"].id)
        assert set(db.session.scalars(access.visible_polls(m1).with_only_columns(Poll.id))) \
            == set(polls)
        guest = db.session.get(User, users["guest"].id)
        assert not set(db.session.scalars(access.documents_read_through_polls(guest)))

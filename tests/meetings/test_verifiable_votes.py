"""Verifiable secret votes in a meeting (issue 10, opt-in): the key ceremony stores no share in
clear, the server takes only ballots whose proofs hold (one per member, the last counts), the
trustees' PINs decrypt only the sums, and the published record verifies and names nobody."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from ecabinet.audit.models import AuditEntry
from ecabinet.ballots import trustees
from ecabinet.ballots.ballot import make_ballot
from ecabinet.ballots.proofs import Context
from ecabinet.ballots.record import verify_record
from ecabinet.cli import cli
from ecabinet.database import unit_of_work
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.identity.services import get_user
from ecabinet.meetings import verifiable, voting
from ecabinet.meetings.e2e_models import EncryptedBallot, VoteKey, VoteTrustee
from ecabinet.meetings.models import AgendaItem, Vote

PINS = {"chair": "246810", "secretariat": "135790"}
YES, NO, ABSTAIN = 0, 1, 2


def act(app, cab, who, service, *args, **kwargs):
    """One unit of work as ``who``, as a request or socket event runs it."""
    with app.app_context():
        try:
            with unit_of_work():
                return service(get_user(cab.users[who].id), *args, **kwargs)
        finally:
            db.session.remove()


def trustee_list(cab, pins=None):
    pins = pins or PINS
    return [{"user_id": cab.users[who].id, "pin": pin} for who, pin in pins.items()]


def open_verifiable(app, cab, item=None, **kwargs):
    def service(user):
        vote = verifiable.open_vote(
            user, db.session.get(AgendaItem, item or cab.items[0]),
            question="Thông qua dự thảo Nghị định?", rule="majority_of_present",
            trustees_given=kwargs.pop("trustees_given", trustee_list(cab)), **kwargs)
        return vote.id, vote.public_key
    return act(app, cab, "chair", service)


def ballot_for(vote_id, public_key, choice, vote_label=None):
    ctx = Context(vote_label or str(vote_id), bytes.fromhex(public_key), 3)
    return make_ballot(ctx, choice)


def cast(app, cab, who, vote_id, ballot):
    return act(app, cab, who, verifiable.cast_ballot, vote_id, ballot)


def audit_lines(app, action):
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                  .order_by(AuditEntry.seq)).all()
        out = [(r.actor_id, json.loads(r.details)) for r in rows]
        db.session.remove()
        return out


def test_opening_stores_no_share_in_clear(app, session_open):
    cab = session_open
    vote_id, public_key = open_verifiable(app, cab)
    with app.app_context():
        key = db.session.get(VoteKey, vote_id)
        assert (key.threshold, key.trustee_count) == (2, 2)
        assert key.commitments[0][0] == public_key
        rows = db.session.scalars(select(VoteTrustee).where(VoteTrustee.vote_id == vote_id)
                                  .order_by(VoteTrustee.number)).all()
        assert [r.user_id for r in rows] == [cab.users["chair"].id, cab.users["secretariat"].id]
        commitments = [bytes.fromhex(c) for c in key.commitments[0]]
        shares = []
        for row, pin in zip(rows, PINS.values(), strict=True):
            share = trustees.unwrap_share(row.wrapped_share, pin,
                                          label=verifiable._label(vote_id, row.number))
            assert trustees.verify_share(commitments, row.number, share)
            shares.append(share)
        # Everything the database holds about the vote, as text: no share, no PIN, anywhere.
        dump = ""
        for table in ("votes", "e2e_vote_keys", "e2e_vote_trustees", "audit_entries"):
            dump += repr(db.session.execute(text(f"SELECT * FROM {table}")).all())  # noqa: S608
        db.session.remove()
    for share in shares:
        assert share.hex() not in dump and share.hex().upper() not in dump
    for pin in PINS.values():
        assert pin not in dump
    assert ("dealt_by", "server") in audit_lines(app, "vote.key")[0][1].items()


@pytest.mark.parametrize("change,field", [
    (lambda cab: None, "trustees"),
    (lambda cab: [{"user_id": cab.users["chair"].id, "pin": "246810"},
                  {"user_id": cab.users["m1"].id, "pin": "135790"}], "trustees"),
    (lambda cab: [{"user_id": cab.users["secretariat"].id, "pin": "135790"}], "trustees"),
    (lambda cab: [{"user_id": cab.users["chair"].id, "pin": "12"},
                  {"user_id": cab.users["secretariat"].id, "pin": "135790"}], "trustees"),
    (lambda cab: [{"user_id": cab.users["chair"].id, "pin": "246810"},
                  {"user_id": cab.users["chair"].id, "pin": "246810"}], "trustees"),
])
def test_bad_trustees_open_nothing(app, session_open, change, field):
    cab = session_open
    with pytest.raises(Invalid) as refused:
        open_verifiable(app, cab, trustees_given=change(cab))
    assert field in refused.value.details
    with app.app_context():
        assert db.session.scalar(select(Vote.id)) is None
        db.session.remove()


def test_a_threshold_above_the_trustees_is_refused(app, session_open):
    with pytest.raises(Invalid):
        open_verifiable(app, session_open, threshold=3)


def test_forged_and_malformed_ballots_are_refused_stored_nowhere_and_audited(app, session_open):
    cab = session_open
    vote_id, public_key = open_verifiable(app, cab)
    forged = ballot_for(vote_id, public_key, YES)
    forged["proofs"][0]["s0"], forged["proofs"][0]["s1"] = \
        forged["proofs"][0]["s1"], forged["proofs"][0]["s0"]
    not_a_point = ballot_for(vote_id, public_key, YES)
    not_a_point["ciphertexts"][1]["a"] = "ff" * 32
    for bad in (forged, not_a_point, {"ciphertexts": "x"}, {"ciphertexts": [], "proofs": []},
                "yes", None):
        with pytest.raises(Invalid) as refused:
            cast(app, cab, "m1", vote_id, bad)
        assert refused.value.code == "invalid_ballot"
    with app.app_context():
        assert db.session.scalar(select(EncryptedBallot.id)) is None
        db.session.remove()
    lines = audit_lines(app, "ballot.refused")
    assert len(lines) == 6
    assert all(details["reason"] == "invalid_ballot" and actor == cab.users["m1"].id
               for actor, details in lines)


def test_a_ballot_made_for_another_vote_is_refused(app, session_open):
    cab = session_open
    vote_id, public_key = open_verifiable(app, cab)
    replayed = ballot_for(vote_id, public_key, YES, vote_label=str(vote_id + 1))
    with pytest.raises(Invalid, match="proof"):
        cast(app, cab, "m1", vote_id, replayed)


def test_a_choice_in_clear_and_a_copied_ballot_are_refused(app, session_open):
    cab = session_open
    vote_id, public_key = open_verifiable(app, cab)
    with pytest.raises(Invalid) as refused:
        act(app, cab, "m1", voting.cast_ballot, vote_id, "yes")
    assert refused.value.code == "ballot_must_be_encrypted"
    ballot = ballot_for(vote_id, public_key, NO)
    cast(app, cab, "m1", vote_id, ballot)
    with pytest.raises(Conflict) as copied:
        cast(app, cab, "m2", vote_id, ballot)
    assert copied.value.code == "duplicate_ballot"


def test_only_the_eligible_cast_as_for_every_ballot(app, session_open):
    cab = session_open
    vote_id, public_key = open_verifiable(app, cab)
    with pytest.raises(Forbidden) as refused:  # m4 was not checked in when the vote opened
        cast(app, cab, "m4", vote_id, ballot_for(vote_id, public_key, YES))
    assert refused.value.code == "not_eligible"
    with pytest.raises(NotFound):
        cast(app, cab, "outsider", vote_id, ballot_for(vote_id, public_key, YES))
    assert [d["reason"] for _, d in audit_lines(app, "ballot.refused")] == [
        "not_eligible", "not_found"]


def test_a_confidential_item_hides_its_vote_from_the_uninvited(app, session_open):
    cab = session_open
    vote_id, public_key = open_verifiable(app, cab, item=cab.confidential_item)
    with pytest.raises(NotFound):  # m2 is not invited to the confidential item
        cast(app, cab, "m2", vote_id, ballot_for(vote_id, public_key, YES))
    assert cast(app, cab, "m1", vote_id, ballot_for(vote_id, public_key, YES))["tracking_code"]


def test_the_last_ballot_counts_and_the_trustees_tally(app, session_open):
    cab = session_open
    vote_id, public_key = open_verifiable(app, cab)
    first = cast(app, cab, "m1", vote_id, ballot_for(vote_id, public_key, YES))
    last = cast(app, cab, "m1", vote_id, ballot_for(vote_id, public_key, NO))
    cast(app, cab, "m2", vote_id, ballot_for(vote_id, public_key, YES))
    cast(app, cab, "m3", vote_id, ballot_for(vote_id, public_key, ABSTAIN))
    cast(app, cab, "chair", vote_id, ballot_for(vote_id, public_key, YES))
    assert first["tracking_code"] != last["tracking_code"]
    # The old path cannot close it: its counts are the trustees' to decrypt.
    with pytest.raises(Conflict):
        act(app, cab, "chair", voting.close_vote, vote_id)
    status = act(app, cab, "chair", verifiable.close, vote_id, PINS["chair"])
    assert status["status"] == "tallying"
    assert status["waiting_for"] == [cab.users["secretariat"].id]
    with pytest.raises(Conflict):  # the ballot box is closed
        cast(app, cab, "m4", vote_id, ballot_for(vote_id, public_key, YES))
    with pytest.raises(Forbidden) as not_trustee:
        act(app, cab, "m1", verifiable.decrypt, vote_id, "246810")
    assert not_trustee.value.code == "not_trustee"
    done = act(app, cab, "secretariat", verifiable.decrypt, vote_id, PINS["secretariat"])
    assert done["status"] == "closed"
    # 4 present: yes 2 (chair, m2), no 1 (m1's last), abstain 1; 2 of 4 is not more than half
    assert done["tally"] == {"yes": 2, "no": 1, "abstain": 1, "absent": 1}
    assert done["outcome"] == "rejected"
    record = act(app, cab, "m2", verifiable.record_of, vote_id)
    codes = {b["tracking_code"] for b in record["ballots"]}
    assert last["tracking_code"] in codes and first["tracking_code"] not in codes
    assert len(codes) == 4
    report = verify_record(record)
    assert report.ok, report.problems
    assert report.tally == [2, 1, 1]


def test_a_wrong_pin_is_refused_counted_and_locks_the_share(app, session_open):
    cab = session_open
    vote_id, public_key = open_verifiable(app, cab)
    cast(app, cab, "m1", vote_id, ballot_for(vote_id, public_key, YES))
    with pytest.raises(Forbidden) as wrong:
        act(app, cab, "chair", verifiable.close, vote_id, "000000")
    assert wrong.value.code == "wrong_pin"
    with app.app_context():  # nothing changed: the vote is still open
        assert db.session.get(Vote, vote_id).status == "open"
        db.session.remove()
    assert act(app, cab, "chair", verifiable.close, vote_id)["status"] == "tallying"
    for _ in range(verifiable.MAX_PIN_FAILURES - 1):
        with pytest.raises(Forbidden):
            act(app, cab, "chair", verifiable.decrypt, vote_id, "111111")
    lines = audit_lines(app, "vote.wrong_pin")
    assert [details["failures"] for _, details in lines] == [1, 2, 3, 4, 5]
    with pytest.raises(Conflict) as locked:
        act(app, cab, "chair", verifiable.decrypt, vote_id, PINS["chair"])
    assert locked.value.code == "pin_locked"


def test_two_of_three_trustees_suffice(app, session_open, make_user):
    cab = session_open
    pins = {**PINS}
    # a second secretariat user as a third trustee; any two of the three decrypt
    third = make_user("secretariat", name="Lê Văn Thư")
    cab.users["third"] = third
    pins["third"] = "999999"
    vote_id, public_key = open_verifiable(app, cab, trustees_given=trustee_list(cab, pins),
                                          threshold=2)
    cast(app, cab, "m1", vote_id, ballot_for(vote_id, public_key, YES))
    act(app, cab, "chair", verifiable.close, vote_id)
    assert act(app, cab, "third", verifiable.decrypt, vote_id, "999999")["status"] == "tallying"
    done = act(app, cab, "secretariat", verifiable.decrypt, vote_id, PINS["secretariat"])
    assert done["tally"]["yes"] == 1 and done["status"] == "closed"
    assert verify_record(act(app, cab, "chair", verifiable.record_of, vote_id)).ok


def test_the_record_through_the_api_verifies_names_nobody_and_is_hidden(
        app, session_open, api, tmp_path):
    cab = session_open
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.items[0]}/votes", {
        "question": "Thông qua?", "rule": "majority_of_present", "verifiable": True,
        "trustees": trustee_list(cab)}, who="chair")
    assert status == 201, vote
    assert vote["verifiable"] and vote["secret"] and vote["public_key"]
    vote_id = vote["id"]
    codes = {}
    for who, choice in (("m1", YES), ("m2", YES), ("m3", NO), ("chair", YES)):
        status, answer = api(cab, "POST", f"/api/v1/votes/{vote_id}/ballots",
                             {"ballot": ballot_for(vote_id, vote["public_key"], choice)},
                             who=who)
        assert status == 201, answer
        codes[who] = answer["tracking_code"]
    assert api(cab, "GET", f"/api/v1/votes/{vote_id}/record", who="m1")[0] == 409
    status, closing = api(cab, "POST", f"/api/v1/votes/{vote_id}/close",
                          {"pin": PINS["chair"]}, who="chair")
    assert status == 200 and closing["status"] == "tallying", closing
    status, done = api(cab, "POST", f"/api/v1/votes/{vote_id}/decryptions",
                       {"pin": PINS["secretariat"]}, who="secretariat")
    assert status == 200 and done["status"] == "closed", done
    assert done["tally"]["yes"] == 3 and done["outcome"] == "adopted"

    status, record = api(cab, "GET", f"/api/v1/votes/{vote_id}/record", who="m1")
    assert status == 200
    assert {b["tracking_code"] for b in record["ballots"]} == set(codes.values())
    assert api(cab, "GET", f"/api/v1/votes/{vote_id}/record", who="outsider")[0] == 404
    raw = json.dumps(record, ensure_ascii=False)
    for user in cab.users.values():
        assert user.name not in raw and user.email not in raw
    assert "user" not in raw
    path = tmp_path / "record.json"
    path.write_text(raw, encoding="utf-8")
    result = CliRunner().invoke(cli, ["votes", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert "yes: 3, no: 1, abstain: 0" in result.output


def test_over_the_live_socket_open_cast_close_decrypt(app, session_open):
    """The tablets' path: vote.open with verifiable, ballot.cast with the encrypted ballot
    (acknowledged with its tracking code), vote.close with the chair's PIN, vote.decrypt."""
    from tests.meetings.conftest import connect_tablets

    cab = session_open
    tablets = connect_tablets(app, {w: cab.tokens[w] for w in ("chair", "m1", "secretariat")})
    clients = next(tablets)

    def call(who, event, data):
        return clients[who].emit(event, data, namespace="/live", callback=True)

    for who in clients:
        assert call(who, "meeting.join", {"meeting_id": cab.meeting_id})["ok"]
    ack = call("chair", "vote.open", {
        "meeting_id": cab.meeting_id, "agenda_item_id": cab.items[0], "question": "Thông qua?",
        "rule": "majority_of_present", "verifiable": True, "trustees": trustee_list(cab)})
    assert ack["ok"], ack
    vote_id = ack["vote_id"]
    opened = [m["args"][0] for m in clients["m1"].get_received("/live")
              if m["name"] == "vote.opened"]
    assert opened[-1]["verifiable"] is True
    public_key = opened[-1]["public_key"]
    ack = call("m1", "ballot.cast", {"vote_id": vote_id,
                                     "ballot": ballot_for(vote_id, public_key, YES)})
    assert ack["ok"] and len(ack["tracking_code"]) == 64, ack
    assert call("m1", "ballot.cast", {"vote_id": vote_id, "choice": "yes"})["error"]["code"] \
        == "ballot_must_be_encrypted"
    ack = call("chair", "vote.close", {"vote_id": vote_id, "pin": PINS["chair"]})
    assert ack["ok"] and ack["status"] == "tallying", ack
    assert call("secretariat", "vote.decrypt", {"vote_id": vote_id, "pin": "000000"})["error"][
        "code"] == "wrong_pin"
    ack = call("secretariat", "vote.decrypt", {"vote_id": vote_id, "pin": PINS["secretariat"]})
    assert ack["ok"] and ack["status"] == "closed" and ack["tally"]["yes"] == 1, ack
    closed = [m["args"][0] for m in clients["m1"].get_received("/live")
              if m["name"] == "vote.closed"]
    assert closed and closed[-1]["vote_id"] == vote_id
    next(tablets, None)


def test_a_reconnecting_tablet_gets_its_tracking_code_and_the_tallying_back(app, session_open):
    """meeting.join's snapshot: the member's own tracking code while the vote is open (only
    theirs), and while the trustees decrypt, who is still awaited, by name, for everyone."""
    from ecabinet.meetings import state
    from ecabinet.meetings.models import Meeting

    cab = session_open
    vote_id, public_key = open_verifiable(app, cab)
    mine = cast(app, cab, "m1", vote_id, ballot_for(vote_id, public_key, YES))
    cast(app, cab, "m2", vote_id, ballot_for(vote_id, public_key, NO))

    def snapshot(who):
        return act(app, cab, who, lambda user: state.snapshot_for(
            user, db.session.get(Meeting, cab.meeting_id)))

    open_vote = snapshot("m1")["open_vote"]
    assert open_vote["mine"]["tracking_code"] == mine["tracking_code"]
    assert open_vote["verifiable"] and open_vote["public_key"] == public_key
    assert snapshot("m3")["open_vote"]["mine"]["tracking_code"] is None
    assert snapshot("m1")["tallying_vote"] is None

    act(app, cab, "chair", verifiable.close, vote_id, PINS["chair"])
    for who in ("m1", "m3", "secretariat"):
        tallying = snapshot(who)["tallying_vote"]
        assert tallying["vote_id"] == vote_id and tallying["status"] == "tallying"
        assert tallying["waiting_for"] == [cab.users["secretariat"].id]
        assert [t["name"] for t in tallying["trustees"]] == [
            cab.users["chair"].name, cab.users["secretariat"].name]
    assert snapshot("m1")["tallying_vote"]["my_tracking_code"] == mine["tracking_code"]
    assert snapshot("m3")["tallying_vote"]["my_tracking_code"] is None
    assert snapshot("outsider")["tallying_vote"] is None


def test_no_vote_opens_while_another_is_being_tallied(app, session_open):
    cab = session_open
    vote_id, public_key = open_verifiable(app, cab)
    cast(app, cab, "m1", vote_id, ballot_for(vote_id, public_key, YES))
    act(app, cab, "chair", verifiable.close, vote_id, PINS["chair"])
    for opening in (lambda: open_verifiable(app, cab, item=cab.items[1]),
                    lambda: act(app, cab, "chair", lambda user: voting.open_vote(
                        user, db.session.get(AgendaItem, cab.items[1]), question="Khác?",
                        secret=False, rule="majority_of_present"))):
        with pytest.raises(Conflict) as refused:
            opening()
        assert refused.value.code == "vote_tallying"
    act(app, cab, "secretariat", verifiable.decrypt, vote_id, PINS["secretariat"])
    assert open_verifiable(app, cab, item=cab.items[1])[0] != vote_id

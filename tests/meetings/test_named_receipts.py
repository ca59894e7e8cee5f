"""Named votes' receipts (issue 10, part 3): casting answers with the server's signed statement
of the recorded choice; the closed vote's record publishes the named list and the receipt key;
``ecabinet votes verify-receipt`` checks one against the other without the server, and fails,
saying where, on a changed receipt, a changed list, another key or an earlier ballot."""

from __future__ import annotations

import copy
import json

import nacl.signing
from click.testing import CliRunner
from sqlalchemy import text

from ecabinet.ballots import named_receipts
from ecabinet.ballots.cli import votes_cli
from ecabinet.extensions import db


def _named_vote(api, cab, ballots: dict) -> tuple[int, dict]:
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.items[0]}/votes", {
        "question": "Thông qua dự án Luật?", "secret": False, "rule": "majority_of_present"},
        who="chair")
    assert status == 201, vote
    receipts = {}
    for who, choice in ballots:
        status, answer = api(cab, "POST", f"/api/v1/votes/{vote['id']}/ballots",
                             {"choice": choice}, who=who)
        assert status == 201, answer
        receipts.setdefault(who, []).append(answer["receipt"])
    return vote["id"], receipts


def _verify(tmp_path, receipt, record=None, *extra) -> tuple[int, str]:
    (tmp_path / "receipt.json").write_text(json.dumps(receipt, ensure_ascii=False))
    args = ["verify-receipt", str(tmp_path / "receipt.json")]
    if record is not None:
        (tmp_path / "record.json").write_text(json.dumps(record, ensure_ascii=False))
        args.append(str(tmp_path / "record.json"))
    result = CliRunner().invoke(votes_cli, args + list(extra))
    return result.exit_code, result.output


def test_a_receipt_verifies_against_the_published_list(app, api, session_open, tmp_path):
    cab = session_open
    vote_id, receipts = _named_vote(api, cab, [("m1", "yes"), ("m2", "no"), ("chair", "yes")])
    mine = receipts["m1"][0]
    assert mine["statement"]["member"]["id"] == cab.users["m1"].id
    assert mine["statement"]["choice"] == "yes" and mine["statement"]["vote_id"] == vote_id
    assert api(cab, "GET", f"/api/v1/votes/{vote_id}/record", who="m1")[0] == 409  # still open
    assert api(cab, "POST", f"/api/v1/votes/{vote_id}/close", who="chair")[0] == 200
    status, record = api(cab, "GET", f"/api/v1/votes/{vote_id}/record", who="m2")
    assert status == 200 and record["format"] == "ecabinet/named-vote-record/1"
    assert record["receipt_key"] == mine["public_key"]
    assert {(b["member_id"], b["choice"]) for b in record["ballots"]} == {
        (cab.users["m1"].id, "yes"), (cab.users["m2"].id, "no"), (cab.users["chair"].id, "yes")}
    assert record["tally"]["yes"] == 2
    assert api(cab, "GET", f"/api/v1/votes/{vote_id}/record", who="outsider")[0] == 404
    code, output = _verify(tmp_path, mine, record)
    assert code == 0 and "the published list agrees" in output, output
    # The key signing receipts is not in the database: a copy of it cannot forge one.
    with app.app_context():
        seed = app.config["RECEIPT_KEY"]
        dump = "".join(repr(db.session.execute(text(f"SELECT * FROM {t}")).all())  # noqa: S608
                       for t in ("votes", "ballots", "audit_entries"))
        db.session.remove()
    assert seed not in dump and seed.upper() not in dump


def test_tampering_fails_and_says_where(api, session_open, tmp_path):
    cab = session_open
    vote_id, receipts = _named_vote(api, cab, [("m1", "no"), ("m1", "yes"), ("m2", "abstain")])
    assert api(cab, "POST", f"/api/v1/votes/{vote_id}/close", who="chair")[0] == 200
    record = api(cab, "GET", f"/api/v1/votes/{vote_id}/record", who="m1")[1]
    earlier, latest = receipts["m1"]
    assert _verify(tmp_path, latest, record)[0] == 0

    # A receipt changed after signing (the member claims another choice).
    changed = copy.deepcopy(latest)
    changed["statement"]["choice"] = "no"
    code, output = _verify(tmp_path, changed, record)
    assert code == 1 and "signature does not match" in output, output

    # The published list changed after the receipt was given (the server's record rewritten).
    rewritten = copy.deepcopy(record)
    for ballot in rewritten["ballots"]:
        if ballot["member_id"] == cab.users["m1"].id:
            ballot["choice"] = "no"
    code, output = _verify(tmp_path, latest, rewritten)
    assert code == 1 and "is listed with 'no', the receipt says 'yes'" in output, output

    # A receipt forged with another key, even one carrying its own public key.
    forged = named_receipts.sign(nacl.signing.SigningKey.generate().encode().hex(),
                                 latest["statement"])
    code, output = _verify(tmp_path, forged, record)
    assert code == 1 and "another key" in output, output
    assert _verify(tmp_path, latest, None, "--key", forged["public_key"])[0] == 1

    # The last ballot counts: the member's earlier receipt no longer matches the list.
    code, output = _verify(tmp_path, earlier, record)
    assert code == 1 and "earlier ballot" in output, output

    # Another vote's record, a member not in the list.
    other = dict(record, vote_id=vote_id + 1)
    assert "the receipt is of vote" in _verify(tmp_path, latest, other)[1]
    absent = dict(record, ballots=[b for b in record["ballots"]
                                   if b["member_id"] != cab.users["m1"].id])
    assert "not in the named list" in _verify(tmp_path, latest, absent)[1]


def test_a_secret_ballot_gets_no_signed_choice(api, session_open):
    """A secret vote's receipt is its tracking code: nothing the server signs names a choice."""
    from tests.fixtures.secret_votes import encrypted_ballot, secret_vote_body

    cab = session_open
    vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.items[0]}/votes",
               secret_vote_body(cab), who="chair")[1]
    status, answer = api(cab, "POST", f"/api/v1/votes/{vote['id']}/ballots",
                         {"ballot": encrypted_ballot(vote, "yes")}, who="m1")
    assert status == 201 and answer.get("receipt") is None and answer["tracking_code"]

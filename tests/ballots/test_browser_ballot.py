"""The tablet's JavaScript and the server's Python agree on every byte: a ballot encrypted by
ecabinet/static/js/lib/ballot.js passes the server's checks and ends in a verified record, and
a ballot made in Python passes the JavaScript's checks."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from ecabinet.ballots import trustees
from ecabinet.ballots.ballot import BallotError, make_ballot, read_ballot, tracking_code
from ecabinet.ballots.elgamal import Ciphertext
from ecabinet.ballots.proofs import Context
from ecabinet.ballots.record import build_record, products_of, trustee_decryption, verify_record
from tests.ballots.conftest import OPTIONS, joint_key

ROOT = Path(__file__).resolve().parents[2]
MODULE = (ROOT / "ecabinet/static/js/lib/ballot.js").as_uri()


def _node(script: str, stdin: dict) -> dict:
    """Runs an ES module script with Node from the repository (node_modules resolves there)."""
    done = subprocess.run(["node", "--input-type=module", "-e", script],  # noqa: S607 - Node
                          cwd=ROOT,
                          input=json.dumps(stdin), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


ENCRYPT = f"""
import {{readFileSync}} from "node:fs";
import {{context, encryptBallot}} from {json.dumps(MODULE)};
const input = JSON.parse(readFileSync(0, "utf8"));
const ctx = context(input.context);
console.log(JSON.stringify(input.choices.map((c) => encryptBallot(ctx, c))));
"""

VERIFY = f"""
import {{readFileSync}} from "node:fs";
import {{context, trackingCode, verifyBallot}} from {json.dumps(MODULE)};
const input = JSON.parse(readFileSync(0, "utf8"));
const ctx = context(input.context);
console.log(JSON.stringify(input.ballots.map((b) => {{
  try {{ verifyBallot(ctx, b); return {{ok: true, code: trackingCode(ctx, b)}}; }}
  catch (e) {{ return {{ok: false, error: e.message}}; }}
}})));
"""


def test_ballots_encrypted_in_javascript_verify_and_tally_in_python():
    dealers, shares = joint_key(2, 2)
    public_key = trustees.joint_commitments(dealers)[0]
    ctx = Context("vote-17", public_key, len(OPTIONS))
    made = _node(ENCRYPT, {"context": {"voteId": "vote-17", "publicKey": public_key.hex(),
                                       "options": 3},
                           "choices": [1, 1, 2, 0, 1]})
    ballots = [m["ballot"] for m in made]
    for m in made:
        read_ballot(ctx, m["ballot"])
        assert tracking_code(ctx, m["ballot"]) == m["trackingCode"]
    products = products_of(3, [[Ciphertext.from_json(c) for c in b["ciphertexts"]]
                               for b in ballots])
    record = build_record(vote_id="vote-17", question="?", options=OPTIONS, threshold=2,
                          count=2, dealers=dealers, ballots=ballots,
                          decryptions=[trustee_decryption(ctx, j, shares[j], products)
                                       for j in (1, 2)])
    report = verify_record(record)
    assert report.ok, report.problems
    assert report.tally == [1, 3, 1]


def test_a_javascript_ballot_for_another_vote_is_refused_by_python():
    dealers, _ = joint_key(1, 1)
    public_key = trustees.joint_commitments(dealers)[0]
    made = _node(ENCRYPT, {"context": {"voteId": "1", "publicKey": public_key.hex(),
                                       "options": 3}, "choices": [0]})
    try:
        read_ballot(Context("2", public_key, 3), made[0]["ballot"])
    except BallotError as exc:
        assert "option 0" in str(exc)
    else:
        raise AssertionError("a ballot replayed from another vote was accepted")


def test_ballots_made_in_python_verify_in_javascript():
    dealers, _ = joint_key(2, 3)
    public_key = trustees.joint_commitments(dealers)[0]
    ctx = Context("99", public_key, 3)
    good = [make_ballot(ctx, c) for c in (0, 2)]
    tampered = make_ballot(ctx, 1)
    tampered["proofs"][2]["c0"] = tampered["proofs"][2]["c1"]
    checked = _node(VERIFY, {"context": {"voteId": "99", "publicKey": public_key.hex(),
                                         "options": 3}, "ballots": [*good, tampered]})
    assert [c["ok"] for c in checked] == [True, True, False]
    assert [c["code"] for c in checked[:2]] == [tracking_code(ctx, b) for b in good]
    assert "option 2" in checked[2]["error"]

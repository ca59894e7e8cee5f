"""The published record of a closed secret vote, and its verifier.

Format (JSON; points and scalars in lowercase hex, see :mod:`.group`)::

    {"format": "ecabinet/secret-vote-record/1",
     "group": "ed25519-prime-order-subgroup",
     "vote": {"id": str, "question": str, "options": [str, …]},
     "trustees": {"count": n, "threshold": t,
                  "dealers": [[C_k,0, …, C_k,t-1], …]},   # each dealer's Feldman commitments
     "public_key": hex,                                    # Σ_k C_k,0
     "ballots": [{"tracking_code": hex, "ciphertexts": […], "proofs": […],
                  "sum_proof": {…}}, …],                   # no names: by tracking code only
     "products": [{"a": hex, "b": hex}, …],                # per option, Σ over the ballots
     "decryptions": [{"trustee": j, "factors": [{"d": hex, "proof": {"c": hex, "s": hex}},
                                                …one per option]}, …],
     "tally": [int, …]}

:func:`verify_record` recomputes everything it can (the public key from the commitments, each
trustee's verification key, every tracking code, the products, the combined decryption, the
discrete logs) and checks every proof; it needs nothing but this package.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import elgamal, group, proofs, trustees
from .ballot import BallotError, read_ballot, tracking_code
from .elgamal import Ciphertext
from .proofs import Context

FORMAT = "ecabinet/secret-vote-record/1"
GROUP = "ed25519-prime-order-subgroup"


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    tally: list[int] | None = None
    ballots: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


class RecordError(ValueError):
    """The record cannot be read at all (its shape, not a failed check)."""


def products_of(options: int, ballots: list[list[Ciphertext]]) -> list[Ciphertext]:
    return [elgamal.add_all(b[j] for b in ballots) for j in range(options)]


def trustee_decryption(ctx: Context, j: int, share: bytes, products: list[Ciphertext]) -> dict:
    """Trustee j's factors for the products, each with its proof: what a trustee contributes."""
    factors = []
    for option, total in enumerate(products):
        d = elgamal.partial_decrypt(share, total)
        factors.append({"d": d.hex(),
                        "proof": proofs.prove_decryption(ctx, j, option, share, total, d)})
    return {"trustee": j, "factors": factors}


def build_record(*, vote_id: str, question: str, options: list[str], threshold: int,
                 count: int, dealers: list[list[bytes]], ballots: list[dict],
                 decryptions: list[dict]) -> dict:
    """The record from accepted ballots and the trustees' decryptions (tally computed here)."""
    public_key = trustees.joint_commitments(dealers)[0]
    ctx = Context(vote_id, public_key, len(options))
    read = [read_ballot(ctx, b) for b in ballots]
    products = products_of(len(options), read)
    tally = _tally(ctx, products, decryptions, len(ballots))
    return {
        "format": FORMAT, "group": GROUP,
        "vote": {"id": vote_id, "question": question, "options": list(options)},
        "trustees": {"count": count, "threshold": threshold,
                     "dealers": [[c.hex() for c in d] for d in dealers]},
        "public_key": public_key.hex(),
        "ballots": [{"tracking_code": tracking_code(ctx, b), **b} for b in ballots],
        "products": [p.to_json() for p in products],
        "decryptions": decryptions,
        "tally": tally,
    }


def _tally(ctx: Context, products: list[Ciphertext], decryptions: list[dict],
           bound: int) -> list[int]:
    tally = []
    for option, total in enumerate(products):
        factors = {d["trustee"]: group.point_from_bytes(
            bytes.fromhex(d["factors"][option]["d"]), allow_identity=True) for d in decryptions}
        point = elgamal.decrypt_point(total, trustees.combine_factors(factors))
        tally.append(elgamal.discrete_log(point, bound))
    return tally


def _read_header(record: dict) -> tuple[Context, dict, list[bytes]]:
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise RecordError(f"not a record of format {FORMAT}")
    if record.get("group") != GROUP:
        raise RecordError(f"unknown group {record.get('group')!r}")
    try:
        vote, info = record["vote"], record["trustees"]
        dealers = [[group.point_from_bytes(bytes.fromhex(c)) for c in d] for d in info["dealers"]]
        joint = trustees.joint_commitments(dealers)
        if len(joint) != int(info["threshold"]) or not 1 <= len(joint) <= int(info["count"]):
            raise RecordError("the commitments do not match the threshold")
        public_key = group.point_from_bytes(bytes.fromhex(record["public_key"]))
        ctx = Context(str(vote["id"]), public_key, len(vote["options"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordError(f"unreadable header: {exc}") from exc
    return ctx, info, joint


def verify_record(record: dict) -> Report:
    """Every check of the record; the report lists each failure with where it is."""
    report = Report()
    try:
        ctx, info, joint = _read_header(record)
    except (RecordError, group.GroupError) as exc:
        report.problems.append(str(exc))
        return report
    if joint[0] != ctx.public_key:
        report.problems.append("public_key is not the sum of the dealers' first commitments")

    read, seen = [], set()
    ballots = record.get("ballots")
    if not isinstance(ballots, list):
        report.problems.append("ballots: not a list")
        return report
    for n, ballot in enumerate(ballots):
        if not isinstance(ballot, dict):
            report.problems.append(f"ballot {n + 1}: not an object")
            continue
        where = f"ballot {n + 1} ({str(ballot.get('tracking_code', '?'))[:16]})"
        try:
            read.append(read_ballot(ctx, ballot))
        except BallotError as exc:
            report.problems.append(f"{where}: {exc}")
            continue
        code = tracking_code(ctx, ballot)
        if ballot.get("tracking_code") != code:
            report.problems.append(f"{where}: tracking code is not the hash of the ballot")
        if code in seen:
            report.problems.append(f"{where}: the same ballot appears twice")
        seen.add(code)
    report.ballots = len(read)

    products = products_of(ctx.options, read)
    listed = record.get("products") or []
    for option, total in enumerate(products):
        if option >= len(listed) or listed[option] != total.to_json():
            report.problems.append(f"products, option {option}: not the sum of the ballots")

    decryptions = record.get("decryptions") or []
    indexes = [d.get("trustee") for d in decryptions if isinstance(d, dict)]
    count, threshold = int(info["count"]), int(info["threshold"])
    if (len(indexes) != len(decryptions) or len(set(indexes)) != len(indexes) or not all(
            type(j) is int and 1 <= j <= count for j in indexes)):
        report.problems.append("decryptions: trustees must be distinct numbers from 1 to count")
        return report
    if len(indexes) < threshold:
        report.problems.append(f"decryptions: {len(indexes)} trustees, {threshold} needed")
        return report
    for d in decryptions:
        j = d["trustee"]
        key = trustees.verification_key(joint, j)
        for option, total in enumerate(products):
            try:
                factor = d["factors"][option]
                point = group.point_from_bytes(bytes.fromhex(factor["d"]), allow_identity=True)
                good = proofs.verify_decryption(ctx, j, option, key, total, point,
                                                factor["proof"])
            except (KeyError, IndexError, TypeError, ValueError):
                good = False
            if not good:
                report.problems.append(
                    f"trustee {j}, option {option}: the partial decryption's proof fails")
    if report.problems:
        return report

    try:
        tally = _tally(ctx, products, decryptions, len(read))
    except ValueError as exc:
        report.problems.append(f"tally: {exc}")
        return report
    report.tally = tally
    if record.get("tally") != tally:
        report.problems.append(f"tally: the record says {record.get('tally')}, "
                               f"the decryption gives {tally}")
    return report

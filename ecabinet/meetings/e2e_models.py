"""The rows of an end-to-end verifiable secret vote (issue 10), beside the vote's own row.

What they hold, and what they never hold: the trustees' shares of the vote's key only wrapped
under each trustee's PIN (Argon2id + XSalsa20-Poly1305, :mod:`ecabinet.ballots.trustees`), the
public commitments, and each member's ballot as ciphertexts with their proofs — who cast a
ballot (one per member, for the quorum and "the last counts"), never what it says.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.extensions import db
from ecabinet.identity.models import utcnow


class VoteKey(db.Model):
    """The vote's key as published: t of n trustees, each dealer's commitments (the public key
    is the sum of their first ones), and the per-option products fixed when ballots stopped."""

    __tablename__ = "e2e_vote_keys"

    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"),
                                         primary_key=True)
    threshold: Mapped[int] = mapped_column(Integer)
    trustee_count: Mapped[int] = mapped_column(Integer)
    #: [[hex point, … t of them], … one list per dealer]
    commitments: Mapped[list] = mapped_column(JSON)
    #: [{"a": hex, "b": hex}, … one per option]: set when the chair closes the ballot box.
    products: Mapped[list | None] = mapped_column(JSON)
    ballots_counted: Mapped[int | None] = mapped_column(Integer)


class VoteTrustee(db.Model):
    """One trustee of a vote: their number j in the sharing, their share wrapped under their
    PIN, and once given their partial decryption of the products (with its proofs)."""

    __tablename__ = "e2e_vote_trustees"
    __table_args__ = (UniqueConstraint("vote_id", "user_id"),
                      UniqueConstraint("vote_id", "number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    number: Mapped[int] = mapped_column(Integer)
    #: trustees.wrap_share's output: salt, KDF limits, label, sealed box. Never the share.
    wrapped_share: Mapped[dict] = mapped_column(JSON)
    #: record.trustee_decryption's output, once the trustee gave their PIN at closing.
    decryption: Mapped[dict | None] = mapped_column(JSON)
    decrypted_at: Mapped[datetime | None]


class EncryptedBallot(db.Model):
    """A member's ballot in a verifiable vote: ciphertexts and proofs (ballot.py's JSON) and its
    tracking code. One per member by the database; casting again replaces it."""

    __tablename__ = "e2e_ballots"
    __table_args__ = (UniqueConstraint("vote_id", "user_id"),
                      UniqueConstraint("vote_id", "tracking_code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    tracking_code: Mapped[str] = mapped_column(String(64))
    ballot: Mapped[dict] = mapped_column(JSON)
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)

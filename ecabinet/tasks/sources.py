"""What a task came from, loaded through its own feature's access rule, and what the task
inherits from it: the meeting (for the dashboard's filter) and its confidentiality."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from ecabinet.errors import Invalid, NotFound
from ecabinet.identity.models import User
from ecabinet.tasks.models import SourceKind

NOTICE_KIND = "thong_bao_ket_luan"


@dataclass(frozen=True)
class Source:
    kind: str
    decision_id: int | None = None
    vote_id: int | None = None
    poll_id: int | None = None
    meeting_id: int | None = None
    confidential: bool = False


def _vote_confidential(vote) -> bool:
    return bool(vote is not None and vote.item is not None and vote.item.confidential)


def resolve_source(actor: User, kind: str | None, source_id: int | None) -> Source:
    """The source the actor may read, or a 422 naming it (nothing is created from a source one
    cannot read or that does not exist)."""
    try:
        kind = SourceKind(kind or SourceKind.MANUAL)
    except ValueError:
        raise Invalid(_("Unknown kind of source."), details={"source_kind": [kind]}) from None
    if kind == SourceKind.MANUAL:
        return Source(kind.value)
    if source_id is None:
        raise Invalid(_("Say which document, vote or poll the task comes from."),
                      details={"source_id": ["missing"]})
    try:
        return _load(actor, kind, source_id)
    except NotFound:
        raise Invalid(_("No such source: %(kind)s %(id)s.", kind=kind.value, id=source_id),
                      details={"source_id": [source_id]}) from None


def _load(actor: User, kind: SourceKind, source_id: int) -> Source:
    if kind in (SourceKind.NOTICE, SourceKind.DECISION):
        from ecabinet.decisions.access import decision_for
        from ecabinet.extensions import db
        from ecabinet.meetings.models import Vote

        decision = decision_for(actor, source_id)
        if (kind == SourceKind.NOTICE) != (decision.kind == NOTICE_KIND):
            raise Invalid(_("A conclusions notice is a thông báo kết luận; a decision is any "
                            "other document."), details={"source_kind": [kind.value]})
        vote = db.session.get(Vote, decision.vote_id) if decision.vote_id else None
        return Source(kind.value, decision_id=decision.id, meeting_id=decision.meeting_id,
                      confidential=_vote_confidential(vote))
    if kind == SourceKind.VOTE:
        from ecabinet.meetings.access import vote_for

        vote = vote_for(actor, source_id)
        return Source(kind.value, vote_id=vote.id, meeting_id=vote.item.meeting_id,
                      confidential=_vote_confidential(vote))
    from ecabinet.polls.access import poll_for

    poll = poll_for(actor, source_id)
    return Source(kind.value, poll_id=poll.id)

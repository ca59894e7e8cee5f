"""Which audit entries about written polls a viewer may read in full.

A member's answer is their own: the chair and the secretariat read every one at any time
(:func:`ecabinet.polls.access.reads_all_answers`), nobody else -- the audit page no more than
the poll's pages. A ``poll.respond`` line therefore shows its answer only to them and to the
member who answered; what everyone may learn is the counts, recorded by ``poll.close`` once the
poll is closed. An entry naming a document of the dossier follows the documents' rule.
"""

from __future__ import annotations

from ecabinet.audit.redaction import rule
from ecabinet.docs.audit_rules import named_document_shown
from ecabinet.extensions import db
from ecabinet.polls.access import reads_all_answers, runs_polls
from ecabinet.polls.models import Poll

#: Entries whose details are one member's answer.
ANSWER_ACTIONS = frozenset({"poll.respond"})


@rule(Poll.__tablename__)
def _poll_entry(viewer, entry, details) -> bool:
    if entry.action in ANSWER_ACTIONS:
        if entry.actor_id is not None and entry.actor_id == viewer.id:
            return True
        poll = db.session.get(Poll, int(entry.object_id)) if entry.object_id else None
        if poll is None:  # gone with its chair: only the secretariat
            return runs_polls(viewer)
        return reads_all_answers(viewer, poll)
    return named_document_shown(viewer, details)

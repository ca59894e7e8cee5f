"""Which audit entries about meetings, agenda items and votes a viewer may read in full.

What derives from a confidential item (its title, its votes' questions, ballots, positions,
speakers) is shown only to who sees the item under :func:`ecabinet.meetings.access.sees_item`;
everything else as before. An item removed from the agenda is known by what its entries
recorded (``confidential``): only the secretariat reads those in full.
"""

from __future__ import annotations

from ecabinet.audit.redaction import rule
from ecabinet.extensions import db
from ecabinet.identity.models import Role
from ecabinet.meetings import access
from ecabinet.meetings.models import AgendaItem, Meeting, Vote


def item_shown(viewer, item: AgendaItem | None, *, recorded_confidential: bool = False) -> bool:
    if item is None:  # gone: what was recorded of it decides
        return not recorded_confidential or viewer.has_role(Role.SECRETARIAT)
    # Confidential now, or when the entry was written: an item opened to all later (and maybe
    # renamed) does not open its confidential past (its former title) to everyone.
    if item.confidential or recorded_confidential:
        return access.can_see_item(viewer, item)
    return True


def vote_shown(viewer, vote: Vote | None) -> bool:
    if vote is None:  # a vote goes only with its item: nothing left to say who saw it
        return viewer.has_role(Role.SECRETARIAT)
    return item_shown(viewer, vote.item)


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@rule(AgendaItem.__tablename__)
def _item_entry(viewer, entry, details) -> bool:
    item = db.session.get(AgendaItem, int(entry.object_id)) if entry.object_id else None
    return item_shown(viewer, item, recorded_confidential=bool(details.get("confidential")))


@rule(Vote.__tablename__)
def _vote_entry(viewer, entry, details) -> bool:
    return vote_shown(viewer, db.session.get(Vote, int(entry.object_id))
                      if entry.object_id else None)


@rule(Meeting.__tablename__)
def _meeting_entry(viewer, entry, details) -> bool:
    """A meeting's entry that names items (the current item, items adopted together, an item
    removed) is about them too."""
    listed = details.get("item_ids")
    ids = [details.get("item_id"), *(listed if isinstance(listed, list) else [])]
    for item_id in filter(None, map(_int, ids)):
        if not item_shown(viewer, db.session.get(AgendaItem, item_id),
                          recorded_confidential=bool(details.get("confidential"))):
            return False
    return True

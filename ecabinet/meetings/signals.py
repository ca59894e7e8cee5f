"""What other features may react to, without reaching into meetings' internals."""

from blinker import Namespace

_signals = Namespace()

#: sender: the Meeting, just published (invitations go out).
meeting_published = _signals.signal("meeting-published")

#: sender: the Meeting, whose agenda or details changed after publication; ``participants``:
#: the invitees newly told (their first unseen change), ``actor``: who changed it.
agenda_changed = _signals.signal("agenda-changed")

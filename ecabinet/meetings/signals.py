"""What other features may react to, without reaching into meetings' internals."""

from blinker import Namespace

_signals = Namespace()

#: sender: the Meeting, just published (invitations go out).
meeting_published = _signals.signal("meeting-published")

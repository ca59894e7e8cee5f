"""What other features may react to (notifications, search) without reaching into the rounds.
Receivers run inside the sender's transaction: they flush, never commit (e-mail goes out after
the commit, as :mod:`ecabinet.notify` does)."""

from blinker import Namespace

_signals = Namespace()

#: sender: the new ConsultationRound (flushed, with its reviewers), kwargs: actor (User).
round_opened = _signals.signal("consultation-round-opened")

#: sender: the ConsultationRound just closed, kwargs: actor (User or None), reason
#: ("manual" or "new_version").
round_closed = _signals.signal("consultation-round-closed")

#: sender: a ConsultationRound on an earlier version of its document, after the drafting side
#: chose what becomes of it; kwargs: actor (User), choice ("keep": it stays on its version
#: until its deadline; "move": it closed and ``successor`` asks about the newer one),
#: newer_version (int), successor (ConsultationRound or None).
round_superseded = _signals.signal("consultation-round-superseded")

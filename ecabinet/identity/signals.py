"""What other features may react to when access ends, without identity knowing them (the live
connections are cut, for one). Receivers run inside the sender's transaction: they flush or
defer to the commit, never commit."""

from blinker import Namespace

_signals = Namespace()

#: sender: the User whose sessions and tokens were all ended (deactivated; roles or password
#: changed).
sessions_ended = _signals.signal("identity-sessions-ended")

#: sender: the ApiToken revoked (also when it was revoked already: asked again is no error).
token_revoked = _signals.signal("identity-token-revoked")

#: sender: the User who signed out of one browser; kwargs: login_id (that sign-in's id, kept in
#: its session as ``login_id``; None for a session older than the id).
signed_out = _signals.signal("identity-signed-out")

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

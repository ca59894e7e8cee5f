"""This installation on the axis: who it is, how it signs its packages, whom it trusts, which
organisations it reaches through the axis, and where a received message goes.

Shared by the two directions (:mod:`ecabinet.interchange.outgoing`, the decisions leaving and
the statuses coming back; :mod:`ecabinet.interchange.incoming`, the documents arriving and the
statuses sent back), so that both speak as the same organisation with the same seal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import current_app
from flask_babel import gettext as _

from ecabinet.errors import Conflict
from ecabinet.identity.models import Organisation
from ecabinet.interchange import edxml

#: messagetype ("edoc", "status") -> the function that takes a stored message
#: (:class:`~ecabinet.interchange.axis.models.AxisIncoming`) and its bytes. Filled by the
#: directions' ``init_app``; the axis inbox (:func:`.axis.services.on_received`) calls it.
RECEIVERS: dict[str, Callable] = {}


def register_receiver(messagetype: str, receiver: Callable) -> None:
    RECEIVERS[messagetype] = receiver


def own_identifier() -> str:
    """The OrganId this installation speaks for (``ECABINET_AXIS_ORGAN_ID``)."""
    identifier = current_app.config.get("AXIS_ORGAN_ID")
    if not identifier:
        raise Conflict(_("This installation has no identifier on the interchange axis "
                         "(ECABINET_AXIS_ORGAN_ID)."), code="axis_not_configured")
    return identifier


def own_organisation() -> Organisation:
    """This installation's organisation in the directory (the one with :func:`own_identifier`)."""
    from ecabinet.organisations import services as organisations

    organisation = organisations.by_identifier(own_identifier())
    if organisation is None:
        raise Conflict(_("This installation's organisation is not in the directory."),
                       code="axis_not_configured")
    return organisation


def exchanges() -> bool:
    """Whether this installation sends through the axis at all (a service is configured)."""
    config = current_app.config
    return bool(config.get("AXIS_URL") and config.get("AXIS_ORGAN_ID"))


def reached_through_axis(organisation: Organisation | None) -> bool:
    """An organisation of the directory with an identifier other than ours gets its documents
    as an edXML package (its own document system registers them), on top of the notices its
    people read in this installation."""
    return bool(exchanges() and organisation is not None and organisation.identifier
                and organisation.identifier != current_app.config.get("AXIS_ORGAN_ID"))


def trust() -> edxml.Trust:
    """Whom a package's XML signature must chain to: the installation's PDF-signature trust
    roots (ecabinet/signing/trust.py), revocation fetched unless the tests say otherwise."""
    from ecabinet.signing import trust as signing_trust

    return edxml.Trust(roots=tuple(signing_trust.trust_roots()),
                       intermediates=tuple(signing_trust.intermediates()),
                       fetch_revocation=bool(current_app.config.get("AXIS_FETCH_REVOCATION")))


@contextmanager
def package_signer() -> Iterator[edxml.XmlSigner]:
    """The installation's seal (its organisation's seal key, in its PKCS#11 token), opened with
    ``ECABINET_AXIS_SEAL_PIN``: packages and statuses leave unattended (the poller answers 01
    by itself), so the PIN is configuration, like the audit checkpoints' seal."""
    from ecabinet.signing import keys

    pin = current_app.config.get("AXIS_SEAL_PIN")
    if not pin:
        raise Conflict(_("Packages cannot be sealed: ECABINET_AXIS_SEAL_PIN is not set."),
                       code="axis_not_configured")
    key = keys.seal_key(own_organisation())
    with keys.OpenedKey(key, pin) as signer:
        yield edxml.PyHankoSigner(signer)

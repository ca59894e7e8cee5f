"""The package signed with the organisation's seal key in its PKCS#11 token (SoftHSM2), opened
the way a decision's seal is (:class:`ecabinet.signing.keys.OpenedKey`), and verified against
the server's trust roots (:mod:`ecabinet.signing.trust`)."""

from __future__ import annotations

import pytest

from ecabinet.interchange import edxml
from ecabinet.interchange.edxml import errors
from tests.interchange.edxml.conftest import make_package
from tests.pki import PIN


def test_the_seal_in_its_token_signs_the_package(pki_app, demo_pki):
    from ecabinet.signing import trust
    from ecabinet.signing.keys import OpenedKey
    from ecabinet.signing.models import KeyStore, SigningKey

    seal = SigningKey(pin_failures=0, **demo_pki.seal)
    assert seal.store == KeyStore.PKCS11.value  # the private key never leaves the token
    package = make_package()
    with pki_app.app_context():
        with OpenedKey(seal, PIN) as signer:
            data = edxml.build(package, signer=edxml.PyHankoSigner(signer))
        server_trust = edxml.Trust(roots=tuple(trust.trust_roots()),
                                   intermediates=tuple(trust.intermediates()))

    read = edxml.parse(data, trust=server_trust)
    assert read == package
    assert read.signature.certificate == demo_pki.seal["certificate"]
    # The demo seal's certificate names no identifier: the directory's copy ties it.
    assert not read.signature.organisation_matched
    tied = edxml.Trust(roots=server_trust.roots, intermediates=server_trust.intermediates,
                       known_certificates=lambda organ_id: [demo_pki.seal["certificate"]])
    assert edxml.parse(data, trust=tied).signature.organisation_matched

    with pytest.raises(errors.BadSignature):
        edxml.parse(data.replace("Nguyễn Văn Ký".encode(), "Nguyễn Văn Giả".encode()),
                    trust=server_trust)

"""PAdES signatures with pyHanko: keys in a PKCS#11 token, the demo PKI, validation.

- what other features call: :mod:`.pades` signs with the server's keys, :mod:`.external` on
  the signer's device, :mod:`.keys` the keys and their PIN lockout, :mod:`.images` signature and
  seal images, :mod:`.validation` the report of a PDF's signatures;
- :mod:`.trust` the trusted roots and the OCSP/CRL check before signing; :mod:`.failures` the
  one translation of pyHanko's, certvalidator's and PKCS#11's failures into the app's errors;
- :mod:`.certificates` whose a certificate is (enrolment);
- :mod:`.tokens` the PKCS#11 library and the per-key locks; :mod:`.appearance` visible stamps;
- :mod:`.pki` the demo PKI (certomancer) and :mod:`.enrolment` the keys made for users;
- :mod:`.cli` ``ecabinet pki …`` and ``ecabinet validate``; :mod:`.api`, :mod:`.routes`.

Configuration (app config; embedded defaults):

``PKCS11_MODULE`` and ``TSA_URL`` (environment, see :mod:`ecabinet.config`); ``PKI_DIR``
(certomancer's configuration and the CA keys, default ``<instance>/pki``); ``SOFTHSM2_CONF``
(SoftHSM2's configuration file, default ``<instance>/softhsm/softhsm2.conf``);
``SIGNING_TRUST_ROOTS`` (PEM/DER files trusted by validation; default the demo root);
``SIGNING_VALIDATE_MAX_BYTES`` (largest PDF accepted for validation, 20 MB);
``EXTERNAL_SIGNATURE_TTL_SECONDS`` (how long a prepared external signature waits, 600).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

DEFAULTS = {
    "SIGNING_TRUST_ROOTS": None,
    "SIGNING_VALIDATE_MAX_BYTES": 20 * 1024 * 1024,
    "EXTERNAL_SIGNATURE_TTL_SECONDS": 600,
    "SIGNING_IMAGE_MAX_BYTES": 1024 * 1024,
}


def init_app(app: Flask) -> None:
    from ecabinet import api
    from ecabinet.signing import models  # noqa: F401 - the tables, for migrations
    from ecabinet.signing.api import blp
    from ecabinet.signing.cli import pki_cli, validate_command
    from ecabinet.signing.routes import bp

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    instance = Path(app.instance_path)
    app.config.setdefault("PKI_DIR", str(instance / "pki"))
    app.config.setdefault("SOFTHSM2_CONF", str(instance / "softhsm" / "softhsm2.conf"))
    api.register(app, blp)
    app.register_blueprint(bp)
    app.cli.add_command(pki_cli)
    app.cli.add_command(validate_command)

"""The PKCS#11 library of this process, one lock per key, and key generation inside a token.

One token per key owner (a signer, or an organisation for its seal): a token has one user PIN,
so a token shared by several signers would share their PIN. SoftHSM2 creates tokens with its own
tool (``softhsm2-util``); a PKCS#11 library already initialised in a process does not see tokens
created afterwards, so :func:`library` re-initialises it once when a token is missing — waiting
until no session of this process is open, since re-initialising closes them all.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import subprocess  # noqa: S404 - fixed argument lists, no shell
import threading
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

_state_lock = threading.Condition()
_open_sessions = 0
_libraries: dict[str, object] = {}
_key_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)


def write_softhsm_conf(conf_path: Path) -> Path:
    """SoftHSM2's configuration for this instance: tokens under ``<conf dir>/tokens``."""
    token_dir = conf_path.parent / "tokens"
    token_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not conf_path.exists():
        conf_path.write_text(f"directories.tokendir = {token_dir}\n"
                             "objectstore.backend = file\nlog.level = ERROR\n"
                             "slots.removable = false\n")
    return conf_path


def use_softhsm_conf(conf_path: str | os.PathLike | None) -> None:
    """Point SoftHSM2 at this instance's configuration, before the module is first loaded.

    The variable is read once per process when the library initialises; a process keeps the
    first configuration it loaded with.
    """
    if not conf_path:
        return
    current = os.environ.get("SOFTHSM2_CONF")
    if current and current != str(conf_path) and _libraries:
        log.warning("SoftHSM2 already loaded with %s; keeping it", current)
        return
    os.environ["SOFTHSM2_CONF"] = str(conf_path)


def library(module_path: str):
    import pkcs11

    with _state_lock:
        lib = _libraries.get(module_path)
        if lib is None:
            lib = _libraries[module_path] = pkcs11.lib(module_path)
        return lib


def find_token(module_path: str, label: str):
    """The token with this label; re-initialises the library once if it is not (yet) seen."""
    import pkcs11

    lib = library(module_path)
    try:
        return lib.get_token(token_label=label)
    except pkcs11.NoSuchToken:
        pass
    with _state_lock:
        while _open_sessions:
            _state_lock.wait()
        lib.reinitialize()
    return lib.get_token(token_label=label)


@contextmanager
def counted_session():
    """Mark a session as open so that re-initialisation waits for it."""
    global _open_sessions
    with _state_lock:
        _open_sessions += 1
    try:
        yield
    finally:
        with _state_lock:
            _open_sessions -= 1
            _state_lock.notify_all()


def key_lock(name: str) -> threading.Lock:
    """Serialises the use of one key: a PKCS#11 session is not shared between threads, and a
    token's login state is per application, so two signatures with one key take turns."""
    with _state_lock:
        return _key_locks[name]


def init_token(conf_path: Path, label: str, pin: str) -> None:
    """Create a SoftHSM2 token for one owner. The security officer PIN is random and thrown
    away: a token whose PIN is forgotten is replaced by a new one (a new key)."""
    env = {**os.environ, "SOFTHSM2_CONF": str(conf_path)}
    subprocess.run(  # noqa: S603
        [shutil.which("softhsm2-util") or "/usr/bin/softhsm2-util", "--init-token", "--free",
         "--label", label, "--so-pin", secrets.token_hex(8), "--pin", pin],
        check=True, capture_output=True, env=env)


def generate_key(module_path: str, token_label: str, pin: str, key_label: str) -> bytes:
    """Generate an RSA-2048 key pair inside the token; return its public key (SPKI, DER).

    The private key is sensitive and not extractable: it never leaves the token.
    """
    from asn1crypto import keys
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.rsa import encode_rsa_public_key

    token = find_token(module_path, token_label)
    key_id = secrets.token_bytes(8)
    with counted_session(), token.open(user_pin=pin, rw=True) as session:
        public, _private = session.generate_keypair(
            KeyType.RSA, 2048, label=key_label, id=key_id, store=True,
            private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
                              Attribute.SIGN: True},
            public_template={Attribute.VERIFY: True})
        rsa_public = keys.RSAPublicKey.load(encode_rsa_public_key(public))
    return keys.PublicKeyInfo({"algorithm": {"algorithm": "rsa"},
                               "public_key": rsa_public}).dump()


def store_certificate(module_path: str, token_label: str, pin: str, key_label: str,
                      certificate_der: bytes) -> None:
    """Put the certificate beside its key, under the same label and id."""
    from asn1crypto import x509
    from pkcs11 import Attribute, CertificateType, ObjectClass

    cert = x509.Certificate.load(certificate_der)
    token = find_token(module_path, token_label)
    with counted_session(), token.open(user_pin=pin, rw=True) as session:
        private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=key_label)
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True,
            Attribute.LABEL: key_label,
            Attribute.ID: private[Attribute.ID],
            Attribute.SUBJECT: cert.subject.dump(),
            Attribute.VALUE: certificate_der,
        })

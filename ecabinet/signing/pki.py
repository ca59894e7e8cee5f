"""The demo PKI: a root CA, a signing CA, a TSA, an OCSP responder and CRLs, run by certomancer.

``<PKI_DIR>/certomancer.yml`` is certomancer's configuration; the CA and service keys are files
under ``<PKI_DIR>/keys``. Keys enrolled for signers are generated inside their SoftHSM2 token;
only their public half is written here (``keys/enrolled/*.pub.pem``) so that certomancer can
issue their certificate — and so that its OCSP responder and CRLs know them: certomancer
answers only for certificates in its configuration. ``ecabinet pki serve`` reloads the
configuration when an enrolment changes it.
"""

from __future__ import annotations

import fcntl
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

ARCH = "ecabinet"
DEFAULT_URL_PREFIX = "http://127.0.0.1:9281"
#: The PIN of the demo accounts' keys (printed by ``ecabinet pki init``); real users set theirs.
DEMO_PIN = "123456"
SERVICE_KEYS = ("root", "signing-ca", "tsa", "ocsp", "revoked-signer", "expired-signer")
_TIME = "%Y-%m-%dT%H:%M:%S+0000"


@dataclass(frozen=True)
class PkiPaths:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "certomancer.yml"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def root_cert(self) -> Path:
        return self.root / "root.crt.pem"

    @property
    def lock(self) -> Path:
        return self.root / ".lock"

    def exists(self) -> bool:
        return self.config.exists()


def paths(config) -> PkiPaths:
    return PkiPaths(Path(config["PKI_DIR"]))


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_TIME)


def _write_key(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


def _ext_key_usage(*usages: str) -> dict:
    return {"id": "key_usage", "critical": True,
            "smart-value": {"schema": "key-usage", "params": list(usages)}}


_CRL_OF_ROOT = {"id": "crl_distribution_points",
                "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}}}
_SIGNER_EXTENSIONS = [
    _ext_key_usage("digital_signature", "non_repudiation"),
    {"id": "crl_distribution_points",
     "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["signing-ca"]}}},
    {"id": "authority_information_access",
     "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["signing-ca"]}}},
]


def _base_config(url_prefix: str, now: datetime) -> dict:
    long_validity = {"valid-from": "2020-01-01T00:00:00+0000",
                     "valid-to": "2050-01-01T00:00:00+0000"}
    keys = {label: {"path": f"{label}.key.pem"} for label in SERVICE_KEYS}
    return {
        "external-url-prefix": url_prefix,
        "keysets": {ARCH: {"path-prefix": "keys", "keys": keys}},
        "pki-architectures": {ARCH: {
            "keyset": ARCH,
            "entity-defaults": {"country-name": "VN",
                                "organization-name": "Chính phủ (PKI thử nghiệm)"},
            "entities": {
                "root": {"common-name": "eCabinet Demo Root CA"},
                "signing-ca": {"common-name": "eCabinet Demo Signing CA"},
                "tsa": {"common-name": "eCabinet Demo Time-Stamping Authority"},
                "ocsp": {"common-name": "eCabinet Demo OCSP Responder"},
                "revoked-signer": {"common-name": "Người ký bị thu hồi (demo)"},
                "expired-signer": {"common-name": "Người ký hết hạn (demo)"},
            },
            "certs": {
                "root": {"subject": "root", "subject-key": "root", "issuer": "root",
                         "authority-key": "root", "serial": 1, "validity": long_validity,
                         "extensions": [
                             {"id": "basic_constraints", "critical": True,
                              "value": {"ca": True}},
                             _ext_key_usage("digital_signature", "key_cert_sign", "crl_sign")]},
                "signing-ca": {"issuer": "root", "serial": 2, "validity": long_validity,
                               "extensions": [
                                   {"id": "basic_constraints", "critical": True,
                                    "value": {"ca": True, "path-len-constraint": 0}},
                                   _ext_key_usage("digital_signature", "key_cert_sign",
                                                  "crl_sign"),
                                   _CRL_OF_ROOT]},
                "tsa": {"issuer": "root", "serial": 3, "validity": long_validity,
                        "extensions": [
                            _ext_key_usage("digital_signature"),
                            {"id": "extended_key_usage", "critical": True,
                             "value": ["time_stamping"]},
                            _CRL_OF_ROOT]},
                "ocsp": {"issuer": "signing-ca", "serial": 4, "validity": long_validity,
                         "extensions": [
                             _ext_key_usage("digital_signature"),
                             {"id": "extended_key_usage", "critical": True,
                              "value": ["ocsp_signing"]},
                             {"id": "ocsp_no_check"}]},
                "revoked-signer": {
                    "issuer": "signing-ca", "serial": 5,
                    "validity": {"valid-from": _when(now - timedelta(days=2)),
                                 "valid-to": _when(now + timedelta(days=3 * 365))},
                    "extensions": _SIGNER_EXTENSIONS,
                    "revocation": {"revoked-since": _when(now - timedelta(days=1)),
                                   "reason": "key_compromise"}},
                "expired-signer": {
                    "issuer": "signing-ca", "serial": 6,
                    "validity": {"valid-from": "2021-01-01T00:00:00+0000",
                                 "valid-to": "2022-01-01T00:00:00+0000"},
                    "extensions": _SIGNER_EXTENSIONS},
            },
            "services": {
                "ocsp": {"signing-ca": {"for-issuer": "signing-ca", "responder-cert": "ocsp",
                                        "signing-key": "ocsp"}},
                "crl-repo": {
                    "root": {"for-issuer": "root", "signing-key": "root",
                             "simulated-update-schedule": "P7D"},
                    "signing-ca": {"for-issuer": "signing-ca", "signing-key": "signing-ca",
                                   "simulated-update-schedule": "P1D"}},
                "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
            },
        }},
    }


@contextmanager
def _locked(pki: PkiPaths):
    pki.root.mkdir(parents=True, exist_ok=True)
    with open(pki.lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read(pki: PkiPaths) -> dict:
    return yaml.safe_load(pki.config.read_text(encoding="utf-8"))


def _write(pki: PkiPaths, config: dict) -> None:
    temporary = pki.config.with_suffix(".tmp")
    temporary.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                         encoding="utf-8")
    temporary.replace(pki.config)


def create(pki: PkiPaths, url_prefix: str = DEFAULT_URL_PREFIX) -> bool:
    """Build the PKI once; False when it already exists (its URLs are in its certificates)."""
    with _locked(pki):
        if pki.exists():
            return False
        pki.keys.mkdir(parents=True, exist_ok=True, mode=0o700)
        (pki.keys / "enrolled").mkdir(exist_ok=True)
        for label in SERVICE_KEYS:
            _write_key(pki.keys / f"{label}.key.pem")
        _write(pki, _base_config(url_prefix.rstrip("/"), datetime.now(UTC)))
    root = architecture(pki).get_cert("root")
    from asn1crypto import pem

    pki.root_cert.write_bytes(pem.armor("CERTIFICATE", root.dump()))
    return True


_arch_cache: dict[Path, tuple[float, object]] = {}


def architecture(pki: PkiPaths):
    """certomancer's view of the PKI, reloaded when the configuration changed."""
    from certomancer.registry import CertomancerConfig

    mtime = pki.config.stat().st_mtime
    cached = _arch_cache.get(pki.root)
    if cached and cached[0] == mtime:
        return cached[1]
    config = CertomancerConfig.from_file(str(pki.config), key_search_dir=str(pki.root))
    arch = config.get_pki_arch(ARCH)
    _arch_cache[pki.root] = (mtime, arch)
    return arch


def url_prefix(pki: PkiPaths) -> str:
    return _read(pki)["external-url-prefix"]


def root_certificate(pki: PkiPaths) -> bytes:
    return architecture(pki).get_cert("root").dump()


def chain(pki: PkiPaths) -> list[bytes]:
    """The CA certificates above a signer: signing CA, then root."""
    arch = architecture(pki)
    return [arch.get_cert("signing-ca").dump(), arch.get_cert("root").dump()]


def issue_certificate(pki: PkiPaths, *, label: str, public_key_der: bytes, common_name: str,
                      organisation: str | None, email: str | None,
                      years: int = 3) -> bytes:
    """Have the signing CA certify a public key (whose private half is in a token)."""
    from asn1crypto import pem

    now = datetime.now(UTC)
    with _locked(pki):
        key_file = pki.keys / "enrolled" / f"{label}.pub.pem"
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_bytes(pem.armor("PUBLIC KEY", public_key_der))
        config = _read(pki)
        arch_config = config["pki-architectures"][ARCH]
        config["keysets"][ARCH]["keys"][label] = {
            "path": f"enrolled/{label}.pub.pem", "public-only": True}
        entity = {"common-name": common_name}
        if organisation:
            entity["organization-name"] = organisation
        if email:
            entity["email-address"] = email
        arch_config["entities"][label] = entity
        arch_config["certs"][label] = {
            "subject": label, "subject-key": label, "issuer": "signing-ca",
            "serial": secrets.randbits(63) | (1 << 62),
            "validity": {"valid-from": _when(now - timedelta(minutes=5)),
                         "valid-to": _when(now + timedelta(days=365 * years))},
            "extensions": _SIGNER_EXTENSIONS,
        }
        _write(pki, config)
    return architecture(pki).get_cert(label).dump()


def demo_pkcs12(pki: PkiPaths, label: str, password: bytes) -> bytes:
    """A PKCS#12 of one of the demo certificates whose key is a file (revoked, expired)."""
    return architecture(pki).package_pkcs12(label, password=password)


def issue_for_file_key(pki: PkiPaths, *, label: str, common_name: str,
                       password: bytes) -> bytes:
    """A fresh key as a file, certified by the signing CA, as a PKCS#12 (keys outside tokens)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    cert_der = issue_certificate(pki, label=label, public_key_der=spki,
                                 common_name=common_name, organisation=None, email=None)
    return pkcs12_of(key, cert_der, chain(pki), password)


def pkcs12_of(key, cert_der: bytes, chain_der: list[bytes], password: bytes) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    return pkcs12.serialize_key_and_certificates(
        name=None, key=key, cert=x509.load_der_x509_certificate(cert_der),
        cas=[x509.load_der_x509_certificate(c) for c in chain_der],
        encryption_algorithm=BestAvailableEncryption(password))


class PkiServer:
    """WSGI app serving the PKI's TSA, OCSP and CRLs (certomancer's Animator), reloading the
    configuration after enrolments; ``/tsa`` is a short alias of the TSA's address."""

    def __init__(self, pki: PkiPaths):
        self.pki = pki
        self._mtime = None
        self._animator = None

    def _current(self):
        from certomancer.integrations.animator import Animator, AnimatorArchStore

        mtime = self.pki.config.stat().st_mtime
        if self._animator is None or mtime != self._mtime:
            arch = architecture(self.pki)
            self._animator = Animator(AnimatorArchStore({ARCH: arch}), with_web_ui=False,
                                      allow_time_override=False)
            self._mtime = mtime
        return self._animator

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/tsa":
            environ = {**environ, "PATH_INFO": f"/{ARCH}/tsa/tsa"}
        if environ.get("PATH_INFO") == "/health":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return self._current()(environ, start_response)

"""The demo PKI for the tests (signing, decisions, signed ballots), built once per session and
served for real. Its fixtures are registered once, in tests/conftest.py: SoftHSM2 is loaded
once per process, so a second PKI in the same run would not find its tokens.

``ecabinet pki init`` runs (through the CLI) into a temporary instance with two demo accounts,
a signer and a clerk, so their keys are generated in SoftHSM2 tokens; ``ecabinet pki serve``
then runs as a subprocess on a free loopback port: the TSA, OCSP and CRLs are real HTTP.
Each test has its own database; :func:`signing_keys` copies the session's key records (token
labels and certificates) into it for users made in the test.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from ecabinet import create_app
from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity import services as identity
from tests.fixtures import ports
from tests.fixtures.database import _migrate, _test_config

PIN = "246810"
P12_PASSWORD = "p12-secret"


def free_port() -> int:
    return ports.free_port()  # below the ephemeral range (tests/fixtures/ports.py)


class PkiProcess:
    """``ecabinet pki serve`` in a subprocess; stop() and start() let a test take it down."""

    def __init__(self, instance: Path, port: int):
        self.instance, self.port, self.process = instance, port, None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "ECABINET_INSTANCE_DIR": str(self.instance),
               "ECABINET_DATABASE_URL": f"sqlite:///{self.instance / 'serve.db'}"}
        self.log = open(self.instance / "serve.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "pki", "serve",
             "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=Path(__file__).resolve().parents[1], env=env, stdout=self.log,
            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                pass
            assert self.process.poll() is None, (self.instance / "serve.log").read_text()
            assert time.monotonic() < deadline, "pki serve did not start"
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
            self.log.close()


@dataclass
class DemoPki:
    instance: Path
    server: PkiProcess
    personal: dict  # column values of the signer's SigningKey
    seal: dict  # of the clerk organisation's seal key
    file_key_p12: bytes  # a key outside any token (PKCS#12), certified by the signing CA
    revoked_p12: bytes
    expired_p12: bytes

    @property
    def config(self) -> dict:
        return {"PKI_DIR": str(self.instance / "pki"),
                "SOFTHSM2_CONF": str(self.instance / "softhsm" / "softhsm2.conf"),
                "TSA_URL": f"{self.server.url}/tsa"}

    @property
    def root_pem(self) -> Path:
        return self.instance / "pki" / "root.crt.pem"


_KEY_COLUMNS = ("purpose", "store", "token_label", "key_label", "pkcs12", "certificate",
                "subject", "serial", "not_before", "not_after")


@pytest.fixture(scope="session")
def demo_pki(tmp_path_factory):
    from ecabinet.signing import pki
    from ecabinet.signing.models import SigningKey

    instance = tmp_path_factory.mktemp("pki-instance")
    port = free_port()
    url = f"sqlite:///{instance / 'pki.db'}"
    _migrate(url, instance)
    app = create_app(_test_config(url, instance))
    with app.app_context():
        with unit_of_work():
            identity.create_user(email="signer@pki.test", name="Nguyễn Văn Ký",
                                 roles=["signer"], password="x" * 12)
            identity.create_user(email="clerk@pki.test", name="Văn thư", roles=["clerk"],
                                 password="x" * 12, organisation="Văn phòng Chính phủ")
        result = app.test_cli_runner().invoke(
            args=["pki", "init", "--url-prefix", f"http://127.0.0.1:{port}", "--pin", PIN])
        assert result.exit_code == 0, result.output + repr(result.exception)
        rows = db.session.scalars(select(SigningKey).order_by(SigningKey.id)).all()
        by_purpose = {row.purpose: {c: getattr(row, c) for c in _KEY_COLUMNS} for row in rows}
        paths = pki.paths(app.config)
        file_key = pki.issue_for_file_key(paths, label="file-signer",
                                          common_name="Người ký ngoài (tệp PKCS#12)",
                                          password=P12_PASSWORD.encode())
        revoked = pki.demo_pkcs12(paths, "revoked-signer", P12_PASSWORD.encode())
        expired = pki.demo_pkcs12(paths, "expired-signer", P12_PASSWORD.encode())
        db.session.remove()
        db.engine.dispose()
    server = PkiProcess(instance, port)
    server.start()
    yield DemoPki(instance, server, by_purpose["personal"], by_purpose["seal"], file_key,
                  revoked, expired)
    server.stop()


@pytest.fixture
def pki_app(make_app, demo_pki):
    return make_app(**demo_pki.config)


@dataclass
class Keys:
    signer_id: int
    clerk_id: int
    organisation_id: int
    personal_id: int
    seal_id: int


@pytest.fixture
def signing_keys(pki_app, demo_pki):
    """A signer and a clerk of "Văn phòng Chính phủ" with the session's keys and images."""
    from ecabinet.identity.models import User
    from ecabinet.signing import certificates
    from ecabinet.signing.images import demo_seal, demo_signature
    from ecabinet.signing.models import SignatureImage, SigningKey

    with pki_app.app_context(), unit_of_work():
        signer = identity.create_user(email="ky@chinhphu.vn", name="Nguyễn Văn Ký",
                                      roles=["signer"], password="x" * 12)
        clerk = identity.create_user(email="vanthu@chinhphu.vn", name="Văn thư",
                                     roles=["clerk"], password="x" * 12,
                                     organisation="Văn phòng Chính phủ")
        clerk = db.session.get(User, clerk.id)
        personal = SigningKey(user_id=signer.id, pin_failures=0, **demo_pki.personal)
        seal = SigningKey(organisation_id=clerk.organisation_id, pin_failures=0,
                          **demo_pki.seal)
        db.session.add_all([personal, seal])
        db.session.add(SignatureImage(kind="signature", user_id=signer.id,
                                      png=demo_signature(signer.name)))
        db.session.add(SignatureImage(kind="seal", organisation_id=clerk.organisation_id,
                                      png=demo_seal("Văn phòng Chính phủ")))
        db.session.flush()
        certificates.enrol_key(personal, by=None)  # as `ecabinet pki enroll` does
        return Keys(signer.id, clerk.id, clerk.organisation_id, personal.id, seal.id)


def blank_pdf(pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603


def pdfsig(path: Path) -> str:
    return run(["pdfsig", str(path)]).stdout


def qpdf_check(path: Path) -> subprocess.CompletedProcess:
    return run(["qpdf", "--check", str(path)])

"""Fixtures for decisions: people and organisations, drafts rendered by the real converter, and
a stand-in for the signing core built on pyHanko itself (a self-signed key, real PAdES
signatures, the same keyword interface) for the workflow tests that are not about the PKI."""

from __future__ import annotations

import datetime as dt
import io
import time
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation
from tests.browser.conftest import (  # noqa: F401
    browser,
    context,
    live_server,
    page,
    screenshot,
    tablet,
)
from tests.conftest import bearer, unused_code
from tests.docs.conftest import (  # noqa: F401 - fixtures used in this folder
    _converters_stop_at_the_end,
    _jobs_finish_within_the_test,
)
from tests.meetings.conftest import api, cabinet, session_open  # noqa: F401

PIN = "123456"


def _self_signed(common_name: str, directory) -> tuple[str, str, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                         False), critical=True)
            .sign(key, hashes.SHA256()))
    key_path, cert_path = directory / f"{common_name}.key", directory / f"{common_name}.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_path.write_bytes(pem)
    return str(key_path), str(cert_path), pem


class FakeSigning:
    """``sign_pdf`` and friends with pyHanko and a local key: certification with DocMDP form
    filling when asked, like the real core. ``down`` makes it raise Unavailable as the core
    does when the TSA is unreachable; a PIN other than :data:`PIN` is a wrong PIN."""

    def __init__(self, directory):
        from pyhanko.sign import signers

        self.down = False
        self.calls: list[dict] = []
        leader = _self_signed("leader", directory)
        seal = _self_signed("seal", directory)
        self.trust = [leader[2], seal[2]]
        self._signers = {"person": signers.SimpleSigner.load(leader[0], leader[1]),
                         "seal": signers.SimpleSigner.load(seal[0], seal[1])}

    def personal_key(self, user):
        return "person"

    def seal_key(self, organisation):
        return "seal"

    def signature_image(self, user):
        return None

    def seal_image(self, organisation):
        return None

    def sign_pdf(self, pdf, *, key, pin, field_name, level="B-LT", appearance=None, box=None,
                 page=0, certify=False, reason=None):  # noqa: F811 - the interface
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        from ecabinet.errors import Forbidden, Unavailable

        self.calls.append({"key": key, "field_name": field_name, "level": level,
                           "certify": certify, "box": box, "page": page,
                           "appearance": appearance})
        if pin != PIN:
            raise Forbidden("Wrong PIN.", code="wrong_pin")
        if self.down:
            raise Unavailable("The time-stamping authority does not answer.",
                              code="tsa_unavailable")
        meta = signers.PdfSignatureMetadata(
            field_name=field_name, certify=certify, reason=reason,
            docmdp_permissions=fields.MDPPerm.FILL_FORMS)
        from ecabinet.asyncio_bridge import run_async

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        signer = signers.PdfSigner(meta, signer=self._signers[key])
        # Through the core's runner: Playwright's sync API keeps a loop in the main thread.
        return run_async(lambda: signer.async_sign_pdf(writer)).getvalue()

    def install(self, monkeypatch):
        from ecabinet.signing import images, keys, pades

        for module, names in ((keys, ("personal_key", "seal_key")),
                              (images, ("signature_image", "seal_image")),
                              (pades, ("sign_pdf",))):
            for name in names:
                monkeypatch.setattr(module, name, getattr(self, name))


@pytest.fixture
def fake_signing(monkeypatch, tmp_path):
    fake = FakeSigning(tmp_path)
    fake.install(monkeypatch)
    return fake


@dataclass
class People:
    secretariat: object
    signer: object
    other_signer: object
    clerk: object
    member: object
    outsider: object
    issuer_id: int
    tokens: dict


@pytest.fixture
def people(app, make_user, token_for, scenario) -> People:
    """The organisations and the people of the decisions, built the first time in a test
    process and restored from their snapshot after that (tests/fixtures/snapshots.py)."""
    return scenario("decisions.people", app, lambda: _build_people(app, make_user, token_for))


def _build_people(app, make_user, token_for) -> People:
    with app.app_context(), unit_of_work():
        for name, code in (("Thủ tướng Chính phủ", "TTg"), ("Văn phòng Chính phủ", "VPCP"),
                           ("Bộ Tư pháp", "BTP")):
            db.session.add(Organisation(name=name, code=code))
    users = {
        "secretariat": make_user("secretariat", name="Vũ Thị Lan", organisation="VPCP"),
        "signer": make_user("member", "signer", name="Trần Minh Quang", organisation="TTg",
                            title="Thủ tướng Chính phủ"),
        "other_signer": make_user("member", "signer", name="Lê Thị Hồng Vân",
                                  organisation="TTg", title="Phó Thủ tướng Chính phủ"),
        "clerk": make_user("clerk", name="Bùi Đức Long", organisation="VPCP", totp=True),
        "member": make_user("member", name="Phạm Quốc Bảo", organisation="BTP"),
        "outsider": make_user("member", name="Người ngoài"),
    }
    with app.app_context():
        issuer_id = db.session.scalar(db.select(Organisation.id).where(Organisation.code == "TTg"))
    tokens = {name: token_for(user) for name, user in users.items()}
    return People(**users, issuer_id=issuer_id, tokens=tokens)


def headers(people: People, who: str) -> dict:
    return bearer(people.tokens[who])


def code_for(app, user) -> str:
    """A TOTP code the user has not used yet (the test clock moves on a step if needed)."""
    return unused_code(app, user.email)


DECREE_BODY = "\n".join([
    "Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;",
    "THỦ TƯỚNG CHÍNH PHỦ",
    "QUYẾT ĐỊNH:",
    "Điều 1. Phê duyệt Đề án chuyển đổi số trong hoạt động của Chính phủ.",
    "Điều 2. Quyết định này có hiệu lực thi hành kể từ ngày ký ban hành.",
])


def wait_ready(client, hdrs, decision_id: int, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/api/v1/decisions/{decision_id}", headers=hdrs)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        if body["render_state"] != "rendering":
            return body
        assert time.monotonic() < deadline, "the draft was not rendered in time"
        time.sleep(0.1)


@pytest.fixture
def drafted(client, people):
    """draft(**overrides) -> the decision's JSON once its PDF is prepared."""

    def make(**overrides):
        body = {"kind": "quyet_dinh",
                "summary": "Về việc phê duyệt Đề án chuyển đổi số trong hoạt động của Chính phủ",
                "body": DECREE_BODY, "signer_id": people.signer.id,
                "authority": "THỦ TƯỚNG", "recipients": "Các Bộ, cơ quan ngang bộ\nVPCP: BTCN",
                **overrides}
        response = client.post("/api/v1/decisions", json=body,
                               headers=headers(people, "secretariat"))
        assert response.status_code == 201, response.get_json()
        return wait_ready(client, headers(people, "secretariat"), response.get_json()["id"])

    return make


def closed_named_vote(call, cab, item: int, question: str, voters=("chair", "m1")) -> int:
    """A named vote on ``item`` cast "yes" by ``voters`` and closed by the chair (``call``: the
    ``api`` fixture): the vote a decision is then drafted from."""
    status, vote = call(cab, "POST", f"/api/v1/agenda-items/{item}/votes",
                        {"question": question, "secret": False, "rule": "majority_of_all"},
                        who="chair")
    assert status == 201, vote
    for who in voters:
        assert call(cab, "POST", f"/api/v1/votes/{vote['id']}/ballots", {"choice": "yes"},
                    who=who)[0] == 201
    assert call(cab, "POST", f"/api/v1/votes/{vote['id']}/close", who="chair")[0] == 200
    return vote["id"]

"""Threat model: whoever holds the database "can read what it holds ... but cannot ... forge a
signed decision or checkpoint (the keys are in the PKCS#11 tokens, behind their PINs)".
finish_external unpickles ``pending_external_signatures.state`` from the database: a row
written by the DBA runs their code inside the server process, which holds the seal's PIN
(AUDIT_SEAL_PIN), the data key and the session key -- everything the threat model keeps
out of their reach. The state should be data (JSON / DER), never a pickle."""

import os
import pickle
from datetime import UTC, datetime, timedelta

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.signing import certificates, services
from ecabinet.signing.models import PendingExternalSignature
from tests.decisions.conftest import _self_signed


class Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_row_written_in_the_database_runs_code_in_the_server(app, make_user, tmp_path):
    signer = make_user("member", "signer")
    marker = tmp_path / "pwned"
    pem = _self_signed("dba", tmp_path)[2]
    # --- what a DBA writes (an enrolment row and a pending signature), here via the ORM ---
    with app.app_context(), unit_of_work():
        user = db.session.get(User, signer.id)
        certificates.enrol(user, pem, by=None, method="admin", check=False)
        _cert, der = certificates.parse(pem)
        row = PendingExternalSignature(
            user_id=user.id, field_name="ChuKy", level="B-B", certificate=der,
            prepared_pdf=b"%PDF-1.7", state=pickle.dumps(Payload(marker)),
            expires_at=datetime.now(UTC) + timedelta(hours=1))
        db.session.add(row)
        db.session.flush()
        pending_id = row.id
    # --- the signer (or the DBA with a token row of their own) finishes it ---
    with app.app_context():
        try:
            with unit_of_work():
                services.finish_external(pending_id, b"\x00" * 256,
                                         user=db.session.get(User, signer.id))
        except Exception:  # noqa: BLE001 - whatever happens after the unpickling
            pass
    assert not marker.exists(), "the database's pickle ran a command in the server process"

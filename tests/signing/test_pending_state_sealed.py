"""Threat model: whoever holds the database cannot run code in the server. A pending external
signature's state is a pickle (pyHanko's objects); found by the attacker review, a row written
by a DBA ran their command at ``finish``. The state is now sealed under the data key (not in
the database): a state the server did not write is refused, never unpickled."""

import os
import pickle
from datetime import UTC, datetime, timedelta

import pytest

from ecabinet.database import unit_of_work
from ecabinet.errors import Conflict
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.signing import certificates, external
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
        with pytest.raises(Conflict) as refused, unit_of_work():
            external.finish_external(pending_id, b"\x00" * 256,
                                     user=db.session.get(User, signer.id))
    assert refused.value.code == "state_invalid"
    assert not marker.exists(), "the database's pickle ran a command in the server process"

"""The authority line follows the signer's position (issue 9, point 15; DOMAIN.md): the Prime
Minister signs "THỦ TƯỚNG" (under "TM. CHÍNH PHỦ" for the Government's resolutions), a Deputy
Prime Minister "KT. THỦ TƯỚNG / PHÓ THỦ TƯỚNG"; a line that contradicts the signer is refused."""

from __future__ import annotations

import pytest

from tests.decisions.conftest import DECREE_BODY, headers


def _draft(client, people, **body):
    return client.post("/api/v1/decisions", json={
        "kind": "quyet_dinh", "summary": "Về việc phê duyệt Đề án", "body": DECREE_BODY,
        "signer_id": people.signer.id, **body}, headers=headers(people, "secretariat"))


@pytest.mark.parametrize(("kind", "who", "expected"), [
    ("quyet_dinh", "signer", ["THỦ TƯỚNG"]),
    ("nghi_quyet", "signer", ["TM. CHÍNH PHỦ", "THỦ TƯỚNG"]),
    ("quyet_dinh", "other_signer", ["KT. THỦ TƯỚNG", "PHÓ THỦ TƯỚNG"]),
    ("nghi_quyet", "other_signer", ["TM. CHÍNH PHỦ", "KT. THỦ TƯỚNG", "PHÓ THỦ TƯỚNG"]),
])
def test_the_default_follows_the_signers_position(client, people, kind, who, expected):
    response = _draft(client, people, kind=kind, signer_id=getattr(people, who).id)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["authority"] == expected


def test_a_line_that_contradicts_the_signer_is_refused(client, people):
    response = _draft(client, people, authority="KT. THỦ TƯỚNG\nPHÓ THỦ TƯỚNG")  # the PM
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "authority_mismatch"
    response = _draft(client, people, signer_id=people.other_signer.id, authority="THỦ TƯỚNG")
    assert response.status_code == 422
    assert _draft(client, people, authority="TM. CHÍNH PHỦ\nTHỦ TƯỚNG").status_code == 201

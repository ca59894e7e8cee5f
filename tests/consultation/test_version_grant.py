"""A consultation round grants its reviewers exactly its version (issue 8, point 7).

After a round on v1 closes and v2 is uploaded, a reviewer of the v1 round who may not read the
document otherwise must not get v2's PDF, v2's paragraphs or the v1→v2 comparison: v2 was never
shared with them. A reviewer of rounds on both versions compares them; the drafting side reads all.
"""

from __future__ import annotations

from tests.consultation.conftest import draft_docx, in_days
from tests.docs.conftest import new_version, wait_for_state


def _second_version(client, cast, draft):
    status, version = new_version(
        client, cast.headers("drafter"), draft.document_id,
        draft_docx(after="Điều 3. Bí mật của phiên bản hai."), filename="du-thao-2.docx")
    assert status == 201 and version["number"] == 2
    wait_for_state(client, cast.headers("drafter"), draft.document_id, 2)


def _round_on_v2(call, cast, draft, reviewers):
    status, round_ = call(cast, "drafter", "POST", "/api/v1/consultation-rounds", {
        "document_id": draft.document_id, "version": 2, "deadline": in_days(3),
        "reviewer_ids": [cast.users[who].id for who in reviewers]})
    assert status == 201, round_
    return round_["id"]


def test_a_reviewer_of_v1_gets_nothing_of_v2(client, call, cast, draft):
    _second_version(client, cast, draft)
    base = f"/api/v1/consultation-rounds/{draft.round_id}/versions"
    v1 = client.get(f"{base}/1/pdf", headers=cast.headers("r1"))
    assert v1.status_code == 200 and v1.data.startswith(b"%PDF")
    assert client.get(f"{base}/2/pdf", headers=cast.headers("r1")).status_code == 404
    compare = f"/api/v1/documents/{draft.document_id}/compare"
    for query in ("?from=1&to=2", "?from=2&to=1"):
        status, body = call(cast, "r1", "GET", compare + query)
        assert status == 404, body
        assert "Bí mật" not in str(body)
    # the comparison page: nothing of v2, and v2 cannot be asked for
    page = client.get(f"/consultation/documents/{draft.document_id}/compare",
                      headers=cast.headers("r1"))
    assert page.status_code == 200 and "Bí mật" not in page.text
    asked = client.get(f"/consultation/documents/{draft.document_id}/compare?from=1&to=2",
                       headers=cast.headers("r1"))
    assert asked.status_code == 404 and "Bí mật" not in asked.text
    # the round's own page does not offer a comparison it would refuse
    show = client.get(f"/consultation/rounds/{draft.round_id}", headers=cast.headers("r1"))
    assert show.status_code == 200 and "/compare" not in show.text


def test_a_reviewer_of_both_rounds_compares_and_the_drafting_side_reads_all(
        client, call, cast, draft):
    _second_version(client, cast, draft)
    second = _round_on_v2(call, cast, draft, ["r1"])
    status, diff = call(cast, "r1", "GET",
                        f"/api/v1/documents/{draft.document_id}/compare?from=1&to=2")
    assert status == 200 and diff["to"] == 2
    assert client.get(f"/api/v1/consultation-rounds/{second}/versions/1/pdf",
                      headers=cast.headers("r1")).status_code == 200
    # r2 reviewed v1 only: still nothing of v2, even through r1's round on it
    assert client.get(f"/api/v1/consultation-rounds/{draft.round_id}/versions/2/pdf",
                      headers=cast.headers("r2")).status_code == 404
    assert client.get(f"/api/v1/consultation-rounds/{second}/pdf",
                      headers=cast.headers("r2")).status_code == 404
    for who in ("drafter", "secretariat"):
        assert call(cast, who, "GET",
                    f"/api/v1/documents/{draft.document_id}/compare?from=1&to=2")[0] == 200

"""A confidential document's readers other than its uploader and the secretariat must get only
the PDF watermarked with their name; the file as uploaded is withheld (403 original_withheld).
The consultation routes hand out the stored PDF as it is: for a PDF upload that is byte for
byte the original, with no reader's watermark -- to an invitee of the item, and to a
reviewer of a round on it."""

from datetime import UTC, datetime, timedelta

from tests.attack.test_confidential_pdf_helpers import attach, upload_pdf


def test_round_pdf_bypasses_the_watermark(client, cabinet, api):
    cab = cabinet
    document = upload_pdf(client, cab, who="m2", classification="confidential")
    assert attach(api, cab, cab.confidential_item, document)[0] == 201
    original = client.get(f"/api/v1/documents/{document}/versions/1/original",
                          headers=cab.headers("m2"))
    assert original.status_code == 200
    # m1 (an invitee) is refused the original and gets a watermarked copy
    assert client.get(f"/api/v1/documents/{document}/versions/1/original",
                      headers=cab.headers("m1")).status_code == 403
    watermarked = client.get(f"/api/v1/documents/{document}/versions/1/pdf",
                             headers=cab.headers("m1"))
    assert watermarked.status_code == 200 and watermarked.data != original.data
    # the uploader asks m3 for comments
    status, round_ = api(cab, "POST", "/api/v1/consultation-rounds", {
        "document_id": document, "version": 1,
        "deadline": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        "reviewer_ids": [cab.users["m3"].id], "title": "Góp ý"}, who="m2")
    assert status == 201, round_
    leaks = {}
    for who in ("m1", "m3"):
        for path in (f"/api/v1/consultation-rounds/{round_['id']}/pdf",
                     f"/api/v1/consultation-rounds/{round_['id']}/versions/1/pdf"):
            response = client.get(path, headers=cab.headers(who))
            if response.status_code == 200 and response.data == original.data:
                leaks.setdefault(who, []).append(path)
    assert leaks == {}, f"the unwatermarked original went to {leaks}"


def test_decision_attachment_is_the_unwatermarked_original(client, people):
    """A confidential document attached to a draft decision: the clerks and the signer (who
    handle the draft) -- and, once issued, its recipients and the meeting -- get the stored PDF
    as it is, i.e. the uploaded original with no watermark."""
    from tests.conftest import bearer
    from tests.docs.conftest import upload
    from tests.docs.corpus import pdf_bytes

    sec = bearer(people.tokens["secretariat"])
    status, document = upload(client, sec, pdf_bytes(), filename="mat.pdf", title="Mật",
                              classification="confidential")
    assert status == 201, document
    original = client.get(f"/api/v1/documents/{document['id']}/versions/1/original",
                          headers=sec).data
    response = client.post("/api/v1/decisions", json={
        "kind": "quyet_dinh", "summary": "Về nhân sự", "body": "Điều 1. …",
        "signer_id": people.signer.id, "attachment_document_ids": [document["id"]]},
        headers=sec)
    assert response.status_code == 201, response.get_json()
    did = response.get_json()["id"]
    for who in ("clerk", "signer"):
        # not a reader of the document itself
        assert client.get(f"/api/v1/documents/{document['id']}",
                          headers=bearer(people.tokens[who])).status_code == 404
    got = client.get(f"/api/v1/decisions/{did}/attachments/1/pdf",
                     headers=bearer(people.tokens["clerk"]))
    assert not (got.status_code == 200 and got.data == original), \
        "the clerk got the confidential original, unwatermarked"

"""A confidential document attached to a decision reaches the decision's readers only as the
PDF watermarked with their name (ecabinet/packs/delivery.send_reader_pdf), never as the
original uploaded."""


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

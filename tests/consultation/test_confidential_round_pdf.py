"""A confidential document's readers other than its uploader and the secretariat must get only
the PDF watermarked with their name; the file as uploaded is withheld (403 original_withheld).
The consultation routes hand out the stored PDF as it is: for a PDF upload that is byte for
byte the original, with no reader's watermark -- to an invitee of the item, and to a
reviewer of a round on it."""

from datetime import UTC, datetime, timedelta

from tests.docs.confidential_helpers import attach, upload_pdf
from tests.meetings.conftest import api, cabinet  # noqa: F401 - fixtures


def test_round_pdf_bypasses_the_watermark(client, cabinet, api):  # noqa: F811
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

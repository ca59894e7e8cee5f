"""A written poll's dossier: the documents its recipients read before answering."""

from tests.conftest import bearer
from tests.docs.conftest import upload
from tests.docs.corpus import pdf_bytes
from tests.polls.test_polls import send


def dossier_poll(client, tokens, classification="normal"):
    status, document = upload(client, bearer(tokens["secretariat"]), pdf_bytes(2),
                              filename="to-trinh.pdf", title="Tờ trình dự thảo Nghị định",
                              classification=classification)
    assert status == 201, document
    poll = send(client, tokens["secretariat"]).get_json()
    return poll, document


def test_recipients_read_the_dossier_and_others_do_not(client, people):  # noqa: F811
    _, tokens = people
    poll, document = dossier_poll(client, tokens, classification="confidential")
    pdf_url = f"/api/v1/documents/{document['id']}/versions/1/pdf"
    # Before it is in the dossier, a member may not know the document exists.
    assert client.get(pdf_url, headers=bearer(tokens["m1"])).status_code == 404
    response = client.post(f"/api/v1/polls/{poll['id']}/documents",
                           json={"document_id": document["id"]},
                           headers=bearer(tokens["secretariat"]))
    assert response.status_code == 201
    assert response.get_json()["title"] == "Tờ trình dự thảo Nghị định"
    shown = client.get(f"/api/v1/polls/{poll['id']}", headers=bearer(tokens["m1"])).get_json()
    assert [d["id"] for d in shown["documents"]] == [document["id"]]
    assert shown["documents"][0]["state"] == "ready"
    assert client.get(pdf_url, headers=bearer(tokens["m1"])).status_code == 200
    # The guest got no poll: neither the poll nor the document.
    assert client.get(f"/api/v1/polls/{poll['id']}",
                      headers=bearer(tokens["guest"])).status_code == 404
    assert client.get(pdf_url, headers=bearer(tokens["guest"])).status_code == 404


def test_only_the_secretariat_attaches_once_to_an_open_poll(client, people):  # noqa: F811
    _, tokens = people
    poll, document = dossier_poll(client, tokens)
    url = f"/api/v1/polls/{poll['id']}/documents"
    body = {"document_id": document["id"]}
    assert client.post(url, json=body, headers=bearer(tokens["m1"])).status_code == 403
    assert client.post(url, json=body, headers=bearer(tokens["secretariat"])).status_code == 201
    again = client.post(url, json=body, headers=bearer(tokens["secretariat"]))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_attached"
    missing = client.post(url, json={"document_id": 999_999},
                          headers=bearer(tokens["secretariat"]))
    assert missing.status_code == 404
    client.post(f"/api/v1/polls/{poll['id']}/close", headers=bearer(tokens["secretariat"]))
    _, other = dossier_poll(client, tokens)
    closed = client.post(url, json={"document_id": other["id"]},
                         headers=bearer(tokens["secretariat"]))
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] == "poll_closed"


def test_the_poll_page_lists_the_dossier(client, people, auth):  # noqa: F811
    users, tokens = people
    poll, document = dossier_poll(client, tokens)
    client.post(f"/api/v1/polls/{poll['id']}/documents", json={"document_id": document["id"]},
                headers=bearer(tokens["secretariat"]))
    auth.login(users["m1"])
    page = client.get(f"/polls/{poll['id']}").get_data(as_text=True)
    assert "Tờ trình dự thảo Nghị định" in page
    assert f"/documents/{document['id']}/versions/1/view" in page  # the tablet viewer


def test_recipients_find_the_dossier_in_their_documents_and_search(client, people, auth):  # noqa: F811
    """The documents list and search know the dossier grant in SQL: the recipients find the
    document like any other they read, with an exact count; a guest without the poll does
    not."""
    users, tokens = people
    poll, document = dossier_poll(client, tokens, classification="confidential")

    def search(who):
        response = client.get("/api/v1/search", query_string={"q": "to trinh du thao"},
                              headers=bearer(tokens[who]))
        assert response.status_code == 200
        return response.get_json()

    assert search("m1")["total"] == 0
    client.post(f"/api/v1/polls/{poll['id']}/documents", json={"document_id": document["id"]},
                headers=bearer(tokens["secretariat"]))
    found = search("m1")
    assert [hit["document_id"] for hit in found["results"]] == [document["id"]]
    assert found["total"] == 1 and found["total_exact"]
    assert search("guest")["total"] == 0

    auth.login(users["m1"])
    assert f"/documents/{document['id']}\"" in client.get("/documents").get_data(as_text=True)
    auth.logout()
    auth.login(users["guest"])
    assert f"/documents/{document['id']}\"" not in client.get("/documents").get_data(
        as_text=True)

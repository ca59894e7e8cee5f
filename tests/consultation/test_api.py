"""/api/v1 of consultation rounds: the contract's POST /documents/{id}/comments, anchors,
deadlines, who sees what, replies, answers, closing (by hand and by a new version)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ecabinet.audit.models import AuditEntry
from ecabinet.consultation.models import ConsultationRound
from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from tests.consultation.conftest import NUMBERED, draft_docx, in_days
from tests.docs.conftest import new_version, upload, wait_for_state
from tests.docs.corpus import pdf_bytes


def comment(call, cast, draft, who="r1", anchor="p:4", text="Đề nghị làm rõ phạm vi.",
            version=1):
    return call(cast, who, "POST", f"/api/v1/documents/{draft.document_id}/comments",
                {"version": version, "anchor": anchor, "text": text})


def set_deadline(app, round_id: int, when: datetime) -> None:
    with app.app_context(), unit_of_work():
        db.session.get(ConsultationRound, round_id).deadline = when


def actions(app, prefix="consultation.") -> list[tuple[str, dict]]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action.startswith(prefix)).order_by(AuditEntry.seq))
        return [(entry.action, json.loads(entry.details) if isinstance(entry.details, str)
                 else entry.details) for entry in entries]


# --- paragraphs and the contract ----------------------------------------------------------------

def test_units_are_the_numbered_paragraphs_of_the_draft(call, cast, draft):
    status, units = call(cast, "r1", "GET", f"/api/v1/consultation-rounds/{draft.round_id}/units")
    assert status == 200
    assert [unit["text"] for unit in units] == NUMBERED
    assert units[3] == {"anchor": "p:4", "number": 4, "text": NUMBERED[3],
                        "citation": "Điều 1 (đoạn 4)", "label": "Điều 1 (đoạn 4)"}
    assert (units[2]["citation"], units[0]["label"]) == ("Điều 1", "Đoạn 1")


def test_a_reviewer_comments_through_the_documents_contract(app, call, cast, draft):
    status, body = comment(call, cast, draft, anchor="p:6", text="Thời hạn 30 ngày là quá dài.")
    assert status == 201, body
    assert body["round_id"] == draft.round_id
    assert body["anchor"] == "p:6" and body["quote"] == "Thời hạn"
    assert body["where"] == "Điều 1 (đoạn 6)"  # a table cell inside Điều 1
    assert body["author"]["name"] == "Phạm Quốc Bảo"
    assert body["author"]["organisation"] == "Bộ Tài chính"
    assert body["answer"] is None and body["replies"] == []
    assert ("consultation.comment", {"round_id": draft.round_id, "anchor": "p:6"}) in \
        actions(app)


def test_anchors_are_validated(call, cast, draft):
    for anchor in ("p:12", "p:999999", "page:1", "p:0", "abc", "p:1; drop", ""):
        status, body = comment(call, cast, draft, anchor=anchor)
        assert status == 422, (anchor, body)
    status, body = comment(call, cast, draft, anchor="p:12")
    assert body["error"]["code"] == "invalid_anchor"
    assert comment(call, cast, draft, anchor="p:11")[0] == 201


def test_empty_or_oversized_text_is_refused(call, cast, draft):
    assert comment(call, cast, draft, text="   ")[0] == 422
    assert comment(call, cast, draft, text="x" * 10_001)[0] == 422


def test_only_reviewers_comment(call, cast, draft):
    assert comment(call, cast, draft, who="outsider")[0] == 404  # may not know the draft
    status, body = comment(call, cast, draft, who="drafter")
    assert status == 403 and body["error"]["code"] == "not_a_reviewer"
    assert comment(call, cast, draft, who="secretariat")[0] == 403


def test_no_open_round_on_the_version(client, call, cast, draft):
    status, other = upload(client, cast.headers("drafter"), draft_docx(), title="Tờ trình")
    status, body = call(cast, "drafter", "POST", f"/api/v1/documents/{other['id']}/comments",
                        {"version": 1, "anchor": "p:1", "text": "Góp ý"})
    assert status == 409 and body["error"]["code"] == "no_open_round"
    assert comment(call, cast, draft, version=2)[0] == 404  # no such version


def test_comments_after_the_deadline_or_the_close_are_refused(app, call, cast, draft):
    set_deadline(app, draft.round_id, datetime.now(UTC) - timedelta(minutes=1))
    status, body = comment(call, cast, draft)
    assert status == 409 and body["error"]["code"] == "deadline_passed"
    set_deadline(app, draft.round_id, datetime.now(UTC) + timedelta(days=1))
    assert comment(call, cast, draft)[0] == 201
    assert call(cast, "drafter", "POST",
                f"/api/v1/consultation-rounds/{draft.round_id}/close")[0] == 200
    status, body = comment(call, cast, draft)
    assert status == 409 and body["error"]["code"] == "round_closed"


# --- reading the draft through the round ---------------------------------------------------------

def test_a_reviewer_reads_the_draft_only_through_the_round(client, call, cast, draft):
    document = f"/api/v1/documents/{draft.document_id}"
    assert call(cast, "r1", "GET", document)[0] == 404  # the documents feature says no
    wait_for_state(client, cast.headers("drafter"), draft.document_id)
    response = client.get(f"/api/v1/consultation-rounds/{draft.round_id}/pdf",
                          headers=cast.headers("r1"))
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Cache-Control"] == "private, no-store"
    for who in ("outsider", "guest"):
        for path in ("", "/units", "/pdf", "/comments"):
            status, _ = call(cast, who, "GET",
                             f"/api/v1/consultation-rounds/{draft.round_id}{path}")
            assert status == 404, (who, path)


def test_the_round_is_listed_for_its_reviewers_and_drafting_side(call, cast, draft):
    for who, role in (("r1", "reviewer"), ("drafter", "drafting"), ("secretariat", "drafting")):
        status, rounds = call(cast, who, "GET", "/api/v1/consultation-rounds")
        assert [r["id"] for r in rounds] == [draft.round_id], who
        assert rounds[0]["role"] == role and rounds[0]["accepting_comments"] is True
    assert call(cast, "outsider", "GET", "/api/v1/consultation-rounds")[1] == []


# --- who sees which comment, replies ------------------------------------------------------------

def test_reviewers_see_their_own_comments_the_drafting_side_all(call, cast, draft):
    mine = comment(call, cast, draft, who="r1", anchor="p:9")[1]
    theirs = comment(call, cast, draft, who="r2", anchor="p:2")[1]
    path = f"/api/v1/consultation-rounds/{draft.round_id}/comments"
    assert [c["id"] for c in call(cast, "r1", "GET", path)[1]] == [mine["id"]]
    # in document order: p:2 before p:9
    assert [c["id"] for c in call(cast, "drafter", "GET", path)[1]] == [theirs["id"], mine["id"]]
    assert call(cast, "r1", "GET", f"/api/v1/consultation-comments/{theirs['id']}")[0] == 404
    assert call(cast, "outsider", "GET", f"/api/v1/consultation-comments/{mine['id']}")[0] == 404


def test_threaded_replies(call, cast, draft):
    root = comment(call, cast, draft)[1]
    path = f"/api/v1/consultation-comments/{root['id']}/replies"
    status, answer = call(cast, "drafter", "POST", path, {"text": "Xin cảm ơn, sẽ làm rõ."})
    assert status == 201 and answer["parent_id"] == root["id"]
    # a reply to a reply joins the same thread
    status, again = call(cast, "r1", "POST",
                         f"/api/v1/consultation-comments/{answer['id']}/replies",
                         {"text": "Đề nghị bổ sung ví dụ."})
    assert status == 201 and again["parent_id"] == root["id"] and again["anchor"] == "p:4"
    assert call(cast, "r2", "POST", path, {"text": "Tôi cũng vậy"})[0] == 404
    assert call(cast, "r1", "POST", path, {"text": ""})[0] == 422
    status, thread = call(cast, "r1", "GET", f"/api/v1/consultation-comments/{root['id']}")
    assert [r["text"] for r in thread["replies"]] == ["Xin cảm ơn, sẽ làm rõ.",
                                                     "Đề nghị bổ sung ví dụ."]
    # replies are not top-level comments
    comments = call(cast, "drafter", "GET",
                    f"/api/v1/consultation-rounds/{draft.round_id}/comments")[1]
    assert [c["id"] for c in comments] == [root["id"]]


# --- answers ------------------------------------------------------------------------------------

def test_the_drafting_side_answers_and_may_change_until_the_close(app, call, cast, draft):
    root = comment(call, cast, draft)[1]
    path = f"/api/v1/consultation-comments/{root['id']}/answer"
    status, answer = call(cast, "drafter", "PUT", path,
                          {"kind": "accepted", "text": "Đã chỉnh sửa khoản 1 Điều 1."})
    assert status == 200 and answer["kind"] == "accepted"
    assert answer["answered_by"]["name"] == "Lê Thành Long"
    status, answer = call(cast, "secretariat", "PUT", path,
                          {"kind": "explained", "text": "Giữ nguyên vì đã thống nhất."})
    assert status == 200 and answer["kind"] == "explained"
    assert call(cast, "r1", "GET", f"/api/v1/consultation-comments/{root['id']}")[1][
        "answer"]["text"] == "Giữ nguyên vì đã thống nhất."
    answers = [details for action, details in actions(app) if action == "consultation.answer"]
    assert [(d["kind"], d["changed"]) for d in answers] == [("accepted", False),
                                                            ("explained", True)]
    call(cast, "drafter", "POST", f"/api/v1/consultation-rounds/{draft.round_id}/close")
    status, body = call(cast, "drafter", "PUT", path, {"kind": "accepted", "text": "Muộn"})
    assert status == 409 and body["error"]["code"] == "round_closed"


def test_answers_bad_paths(call, cast, draft):
    root = comment(call, cast, draft)[1]
    path = f"/api/v1/consultation-comments/{root['id']}/answer"
    assert call(cast, "r1", "PUT", path, {"kind": "accepted", "text": "Tự trả lời"})[0] == 403
    assert call(cast, "drafter", "PUT", path, {"kind": "maybe", "text": "?"})[0] == 422
    assert call(cast, "drafter", "PUT", path, {"kind": "accepted"})[0] == 422
    assert call(cast, "drafter", "PUT", "/api/v1/consultation-comments/999999/answer",
                {"kind": "accepted", "text": "x"})[0] == 404
    reply = call(cast, "drafter", "POST", f"/api/v1/consultation-comments/{root['id']}/replies",
                 {"text": "Trao đổi"})[1]
    assert call(cast, "drafter", "PUT", f"/api/v1/consultation-comments/{reply['id']}/answer",
                {"kind": "accepted", "text": "x"})[0] == 422


# --- opening and closing rounds -----------------------------------------------------------------

def test_opening_a_round_bad_paths(call, cast, draft):
    body = {"document_id": draft.document_id, "version": 1, "deadline": in_days(3),
            "reviewer_ids": [cast.users["r1"].id]}
    path = "/api/v1/consultation-rounds"
    assert call(cast, "outsider", "POST", path, body)[0] == 404
    assert call(cast, "r1", "POST", path, body)[0] == 404  # reads it through the round only…
    status, error = call(cast, "secretariat", "POST", path, body)
    assert status == 409 and error["error"]["code"] == "round_open"
    assert call(cast, "secretariat", "POST", path, {**body, "deadline": in_days(-1)})[0] == 422
    assert call(cast, "secretariat", "POST", path, {**body, "reviewer_ids": []})[0] == 422
    assert call(cast, "secretariat", "POST", path, {**body, "reviewer_ids": [987654]})[0] == 422
    assert call(cast, "secretariat", "POST", path,
                {**body, "deadline": "2030-01-01T08:00:00"})[0] == 422  # no offset
    assert call(cast, "secretariat", "POST", path, {**body, "version": 7})[0] == 404
    assert call(cast, "secretariat", "POST", path, {**body, "document_id": 424242})[0] == 404


def test_a_reviewer_who_reads_the_document_still_cannot_open_a_round(client, call, cast):
    status, document = upload(client, cast.headers("r1"), draft_docx(), title="Của Bộ Tài chính")
    body = {"document_id": document["id"], "version": 1, "deadline": in_days(3),
            "reviewer_ids": [cast.users["r2"].id]}
    status, round_ = call(cast, "r1", "POST", "/api/v1/consultation-rounds", body)
    assert status == 201
    # r2 reviews it, but is not the drafting side
    assert call(cast, "r2", "POST", f"/api/v1/consultation-rounds/{round_['id']}/close")[0] == 403


def test_manual_close(app, call, cast, draft):
    path = f"/api/v1/consultation-rounds/{draft.round_id}/close"
    assert call(cast, "r1", "POST", path)[0] == 403
    assert call(cast, "outsider", "POST", path)[0] == 404
    status, body = call(cast, "drafter", "POST", path)
    assert status == 200 and body["state"] == "closed" and body["close_reason"] == "manual"
    assert call(cast, "drafter", "POST", path)[0] == 409
    assert ("consultation.close", "manual") in [(a, d["reason"]) for a, d in actions(app)
                                                if a == "consultation.close"]


def test_a_new_version_keeps_the_round_until_the_drafting_side_moves_it(app, client, call, cast,
                                                                       draft):
    """Uploading v2 three days before the deadline must not silently end the comments on v1
    (issue 9, point 11): the round stays open until the drafting side moves it."""
    comment(call, cast, draft)
    status, version = new_version(client, cast.headers("drafter"), draft.document_id,
                                  draft_docx(after="Điều 3. Nghị định có hiệu lực từ ngày ký."),
                                  filename="du-thao-2.docx")
    assert status == 201 and version["number"] == 2
    status, round_ = call(cast, "r1", "GET", f"/api/v1/consultation-rounds/{draft.round_id}")
    assert round_["state"] == "open" and round_["accepting_comments"]
    assert comment(call, cast, draft, text="Góp ý thêm trên bản 1.")[0] == 201
    # a round on the first version can no longer be opened
    status, error = call(cast, "drafter", "POST", "/api/v1/consultation-rounds", {
        "document_id": draft.document_id, "deadline": in_days(3), "version": 1,
        "reviewer_ids": [cast.users["r1"].id]})
    assert status == 409 and error["error"]["code"] == "not_latest_version"
    # only the drafting side moves it; the same reviewers, the same deadline
    move = f"/api/v1/consultation-rounds/{draft.round_id}/move"
    assert call(cast, "r1", "POST", move, {})[0] == 403
    status, second = call(cast, "drafter", "POST", move, {})
    assert status == 201 and second["version"] == 2
    assert sorted(r["id"] for r in second["reviewers"]) == sorted(
        [cast.users["r1"].id, cast.users["r2"].id])
    assert second["deadline"] == round_["deadline"]
    status, first = call(cast, "r1", "GET", f"/api/v1/consultation-rounds/{draft.round_id}")
    assert first["state"] == "closed" and first["close_reason"] == "new_version"
    assert first["successor_id"] == second["id"]
    closes = [d for a, d in actions(app) if a == "consultation.close"]
    assert closes[-1]["reason"] == "new_version" and closes[-1]["new_version"] == 2
    assert [d["new_round_id"] for a, d in actions(app) if a == "consultation.move"] == \
        [second["id"]]
    assert comment(call, cast, draft)[1]["error"]["code"] == "round_closed"
    assert call(cast, "drafter", "POST", move, {})[1]["error"]["code"] == "round_closed"
    assert comment(call, cast, draft, version=2, anchor="p:11")[1]["quote"] == \
        "Điều 3. Nghị định có hiệu lực từ ngày ký."


def test_a_failed_upload_of_a_new_version_leaves_the_round_open(client, call, cast, draft):
    status, _ = new_version(client, cast.headers("drafter"), draft.document_id, b"not a file",
                            filename="x.docx")
    assert status in (415, 422)
    assert call(cast, "r1", "GET", f"/api/v1/consultation-rounds/{draft.round_id}")[1][
        "state"] == "open"


# --- PDFs ---------------------------------------------------------------------------------------

def test_comments_on_pages_of_a_pdf(client, call, cast):
    status, document = upload(client, cast.headers("drafter"), pdf_bytes(3),
                              filename="to-trinh.pdf", title="Tờ trình")
    status, round_ = call(cast, "drafter", "POST", "/api/v1/consultation-rounds", {
        "document_id": document["id"], "version": 1, "deadline": in_days(2),
        "reviewer_ids": [cast.users["r1"].id]})
    assert status == 201 and round_["kind"] == "pdf"
    path = f"/api/v1/documents/{document['id']}/comments"
    status, body = call(cast, "r1", "POST", path, {"version": 1, "anchor": "page:3",
                                                   "text": "Trang 3 thiếu số liệu."})
    assert status == 201 and body["anchor"] == "page:3"
    for anchor in ("page:4", "p:1"):
        assert call(cast, "r1", "POST", path, {"version": 1, "anchor": anchor,
                                               "text": "x"})[0] == 422


# --- comparison ---------------------------------------------------------------------------------

def test_compare_two_versions(client, call, cast, draft):
    changed = ["NGHỊ ĐỊNH",
               "Quy định chi tiết một số điều của Luật Ban hành văn bản quy phạm pháp luật",
               "", "Điều 1. Phạm vi điều chỉnh",
               "Nghị định này quy định chi tiết về việc lấy ý kiến đối với dự thảo nghị định.",
               "Điều 2. Đối tượng áp dụng"]
    new_version(client, cast.headers("drafter"), draft.document_id,
                draft_docx(paragraphs=changed, after="Điều 3. Điều khoản thi hành mới"),
                filename="v2.docx")
    # r1 reviews a round on each version (a round grants exactly its version)
    assert call(cast, "drafter", "POST", "/api/v1/consultation-rounds", {
        "document_id": draft.document_id, "version": 2, "deadline": in_days(3),
        "reviewer_ids": [cast.users["r1"].id]})[0] == 201
    path = f"/api/v1/documents/{draft.document_id}/compare?from=1&to=2"
    status, diff = call(cast, "r1", "GET", path)  # a reviewer of rounds on both versions
    assert status == 200, diff
    assert diff["from"] == 1 and diff["to"] == 2
    change = next(b for b in diff["blocks"] if b["op"] == "change")
    assert change["segments"][-3:] == [{"op": "delete", "text": "văn bản"},
                                       {"op": "insert", "text": "nghị định"},
                                       {"op": "equal", "text": "."}]
    deleted = [b["text"] for b in diff["blocks"] if b["op"] == "delete"]
    assert NUMBERED[9] in deleted
    inserted = [b["text"] for b in diff["blocks"] if b["op"] == "insert"]
    assert "Điều 3. Điều khoản thi hành mới" in inserted or any(
        b["op"] == "change" and b["text"] == "Điều 3. Điều khoản thi hành mới"
        for b in diff["blocks"])
    assert call(cast, "r1", "GET",
                f"/api/v1/documents/{draft.document_id}/compare?from=2&to=2")[0] == 422
    assert call(cast, "r1", "GET",
                f"/api/v1/documents/{draft.document_id}/compare?from=1&to=9")[0] == 404
    assert call(cast, "r1", "GET", f"/api/v1/documents/{draft.document_id}/compare")[0] == 422
    assert call(cast, "outsider", "GET", path)[0] == 404


def test_openapi_describes_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/documents/{document_id}/comments"]
    for path in ("/api/v1/consultation-rounds", "/api/v1/consultation-rounds/{round_id}/table",
                 "/api/v1/consultation-comments/{comment_id}/answer",
                 "/api/v1/documents/{document_id}/compare"):
        assert path in paths


def test_control_characters_are_dropped_so_the_table_can_be_written(client, call, cast, draft):
    status, body = comment(call, cast, draft, text="Góp ý\x0b\x1f\ttrên\r\nhai dòng")
    assert status == 201 and body["text"] == "Góp ý\ttrên\nhai dòng"
    assert comment(call, cast, draft, text="\x01\x02")[0] == 422
    # NUL is refused by the app's one text rule (ecabinet.inputs), before any feature sees it.
    assert comment(call, cast, draft, text="Góp\x00 ý")[0] == 422
    response = client.get(f"/api/v1/consultation-rounds/{draft.round_id}/table",
                          headers=cast.headers("drafter"))
    assert response.status_code == 200


def test_a_reviewer_reads_the_versions_of_their_rounds_through_a_round(client, call, cast,
                                                                       draft):
    new_version(client, cast.headers("drafter"), draft.document_id, pdf_bytes(2),
                filename="v2.pdf")
    wait_for_state(client, cast.headers("drafter"), draft.document_id, 1)
    assert call(cast, "drafter", "POST", "/api/v1/consultation-rounds", {
        "document_id": draft.document_id, "version": 2, "deadline": in_days(3),
        "reviewer_ids": [cast.users["r1"].id]})[0] == 201
    for number in (1, 2):
        response = client.get(
            f"/api/v1/consultation-rounds/{draft.round_id}/versions/{number}/pdf",
            headers=cast.headers("r1"))
        assert response.status_code == 200 and response.data.startswith(b"%PDF"), number
    # r2 reviewed the first version only
    assert client.get(f"/api/v1/consultation-rounds/{draft.round_id}/versions/2/pdf",
                      headers=cast.headers("r2")).status_code == 404
    assert client.get(f"/api/v1/consultation-rounds/{draft.round_id}/versions/3/pdf",
                      headers=cast.headers("r1")).status_code == 404
    assert client.get(f"/api/v1/consultation-rounds/{draft.round_id}/versions/1/pdf",
                      headers=cast.headers("outsider")).status_code == 404


def test_a_double_submit_makes_one_comment_one_reply_one_answer_entry(app, call, cast, draft):
    first = comment(call, cast, draft, text="Góp ý một lần")[1]
    again = comment(call, cast, draft, text="Góp ý một lần")[1]
    assert again["id"] == first["id"]
    assert comment(call, cast, draft, anchor="p:5", text="Góp ý một lần")[1]["id"] != first["id"]
    path = f"/api/v1/consultation-comments/{first['id']}/replies"
    replies = {call(cast, "drafter", "POST", path, {"text": "Đã nhận"})[1]["id"] for _ in "ab"}
    assert len(replies) == 1
    answer = {"kind": "accepted", "text": "Tiếp thu"}
    for _ in "ab":
        assert call(cast, "drafter", "PUT",
                    f"/api/v1/consultation-comments/{first['id']}/answer", answer)[0] == 200
    counted = [action for action, _ in actions(app)]
    assert counted.count("consultation.comment") == 2 and counted.count("consultation.reply") == 1
    assert counted.count("consultation.answer") == 1


def test_signals_tell_other_features_when_rounds_open_and_close(client, call, cast):
    from ecabinet.consultation import signals

    heard = []

    def opened(round_, actor, **_):
        heard.append(("opened", round_.id, actor.id, sorted(round_.reviewer_ids())))

    def closed(round_, actor, reason, **_):
        heard.append(("closed", round_.id, actor.id, reason))

    status, document = upload(client, cast.headers("drafter"), draft_docx(), title="Đề án")
    with signals.round_opened.connected_to(opened), signals.round_closed.connected_to(closed):
        status, round_ = call(cast, "drafter", "POST", "/api/v1/consultation-rounds", {
            "document_id": document["id"], "version": 1, "deadline": in_days(1),
            "reviewer_ids": [cast.users["r2"].id]})
        new_version(client, cast.headers("drafter"), document["id"], draft_docx(after="Mới"))
        status, moved = call(cast, "drafter", "POST",
                             f"/api/v1/consultation-rounds/{round_['id']}/move", {})
    drafter = cast.users["drafter"].id
    assert heard == [("opened", round_["id"], drafter, [cast.users["r2"].id]),
                     ("closed", round_["id"], drafter, "new_version"),
                     ("opened", moved["id"], drafter, [cast.users["r2"].id])]

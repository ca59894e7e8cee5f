"""The pages: the draft for a reviewer (numbered paragraphs, "Góp ý"), the drafting side's
answers, opening a round, closing, the comparison, the dashboard section, and the bad paths."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from tests.conftest import AuthActions, csrf_from
from tests.consultation.conftest import NUMBERED, draft_docx
from tests.consultation.test_api import comment, set_deadline
from tests.docs.conftest import new_version


def signed_in(app, user):
    client = app.test_client()
    assert AuthActions(app, client).login(user).status_code == 302
    return client


def test_the_reviewer_page_numbers_the_paragraphs_and_takes_a_comment(app, cast, draft):
    client = signed_in(app, cast.users["r1"])
    page = client.get(f"/consultation/rounds/{draft.round_id}")
    assert page.status_code == 200
    html = page.text
    assert re.findall(r'name="anchor" value="(p:\d+)"', html) == \
        [f"p:{n}" for n in range(1, len(NUMBERED) + 1)]
    assert "Nghị định này quy định chi tiết về việc lấy ý kiến" in html
    assert 'href="/static/css/consultation.css"' in html and "style=" not in html
    response = client.post(f"/consultation/rounds/{draft.round_id}/comments", data={
        "csrf_token": csrf_from(html), "anchor": "p:4", "text": "Đề nghị làm rõ “lấy ý kiến”."})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/consultation/rounds/{draft.round_id}#unit-p-4")
    page = client.get(f"/consultation/rounds/{draft.round_id}")
    assert "Đề nghị làm rõ “lấy ý kiến”." in page.text


def test_a_refused_comment_keeps_what_was_typed(app, cast, draft):
    client = signed_in(app, cast.users["r1"])
    token = csrf_from(client.get(f"/consultation/rounds/{draft.round_id}").text)
    response = client.post(f"/consultation/rounds/{draft.round_id}/comments", data={
        "csrf_token": token, "anchor": "p:99", "text": "Một góp ý dài đã gõ"})
    assert response.status_code == 422
    assert "Một góp ý dài đã gõ</textarea>" in response.text  # shown above, to copy
    response = client.post(f"/consultation/rounds/{draft.round_id}/comments", data={
        "csrf_token": token, "anchor": "p:4", "text": "  "})
    assert response.status_code == 422
    assert re.search(r'<details class="comment-box" open>\s*<summary[^>]*>[^<]*</summary>\s*'
                     r'<form[^>]*>\s*<input[^>]*>\s*<input type="hidden" name="anchor" '
                     r'value="p:4">', response.text)
    set_deadline(app, draft.round_id, datetime.now(UTC) - timedelta(hours=1))
    response = client.post(f"/consultation/rounds/{draft.round_id}/comments", data={
        "csrf_token": token, "anchor": "p:4", "text": "Quá hạn"})
    assert response.status_code == 409 and "Quá hạn</textarea>" in response.text
    page = client.get(f"/consultation/rounds/{draft.round_id}")
    assert 'name="anchor"' not in page.text  # no more comment forms
    response = client.post(f"/consultation/rounds/{draft.round_id}/comments", data={
        "anchor": "p:4", "text": "Không có CSRF"})
    assert response.status_code == 400


def test_pages_refuse_people_outside_the_round(app, cast, draft):
    outsider = signed_in(app, cast.users["outsider"])
    for path in (f"/consultation/rounds/{draft.round_id}",
                 f"/consultation/rounds/{draft.round_id}/answers",
                 f"/consultation/documents/{draft.document_id}/compare"):
        assert outsider.get(path).status_code == 404, path
    reviewer = signed_in(app, cast.users["r1"])
    assert reviewer.get(f"/consultation/rounds/{draft.round_id}/answers").status_code == 403
    token = csrf_from(reviewer.get("/consultation").text)
    assert reviewer.post(f"/consultation/rounds/{draft.round_id}/close",
                         data={"csrf_token": token}).status_code == 403
    anonymous = app.test_client().get(f"/consultation/rounds/{draft.round_id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_the_drafting_side_answers_on_its_page(app, call, cast, draft):
    first = comment(call, cast, draft, who="r2", anchor="p:10", text="Bổ sung đối tượng.")[1]
    comment(call, cast, draft, who="r1", anchor="p:3", text="Sửa tên Điều 1.")
    client = signed_in(app, cast.users["drafter"])
    page = client.get(f"/consultation/rounds/{draft.round_id}/answers")
    assert page.status_code == 200
    html = page.text
    assert html.index("Sửa tên Điều 1.") < html.index("Bổ sung đối tượng.")  # document order
    assert NUMBERED[9] in html  # the quoted paragraph
    prefix = f"c{first['id']}"
    token = re.search(rf'name="{prefix}-csrf_token"[^>]*value="([^"]+)"', html)
    assert token, "the answer form carries its CSRF token"
    response = client.post(f"/consultation/comments/{first['id']}/answer", data={
        f"{prefix}-csrf_token": token.group(1), f"{prefix}-kind": "accepted",
        f"{prefix}-text": "Đã bổ sung tại khoản 2."})
    assert response.status_code == 302
    assert call(cast, "r2", "GET", f"/api/v1/consultation-comments/{first['id']}")[1][
        "answer"] ["kind"] == "accepted"
    # without a kind: the form comes back with the text kept
    response = client.post(f"/consultation/comments/{first['id']}/answer", data={
        f"{prefix}-csrf_token": token.group(1), f"{prefix}-text": "Chưa chọn loại"})
    assert response.status_code == 422 and "Chưa chọn loại" in response.text
    # reply from the answers page, then close the round
    response = client.post(f"/consultation/comments/{first['id']}/replies", data={
        "csrf_token": csrf_from(html), "text": "Cảm ơn Bộ Nội vụ.", "back": "answers"})
    assert response.status_code == 302 and "/answers#comment-" in response.headers["Location"]
    response = client.post(f"/consultation/rounds/{draft.round_id}/close",
                           data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    page = client.get(f"/consultation/rounds/{draft.round_id}/answers")
    assert f'name="{prefix}-kind"' not in page.text  # answers are frozen
    assert "Đã bổ sung tại khoản 2." in page.text and "Cảm ơn Bộ Nội vụ." in page.text


def test_opening_a_round_from_the_page(app, client, cast):
    from tests.docs.conftest import upload

    status, document = upload(client, cast.headers("drafter"), draft_docx(),
                              title="Dự thảo Thông tư")
    drafter = signed_in(app, cast.users["drafter"])
    page = drafter.get(f"/consultation/new?document_id={document['id']}")
    assert page.status_code == 200 and "Dự thảo Thông tư" in page.text
    form = {"csrf_token": csrf_from(page.text), "document_id": document["id"],
            "title": "Xin ý kiến Thông tư", "deadline": "2099-01-15T17:00"}
    response = drafter.post("/consultation/new", data=form)
    assert response.status_code == 422  # no reviewer chosen
    response = drafter.post("/consultation/new", data={
        **form, "reviewer_ids": [cast.users["r1"].id, cast.users["guest"].id]})
    assert response.status_code == 302, response.text
    status, rounds = call_rounds(app, cast)
    assert rounds[0]["title"] == "Xin ý kiến Thông tư"
    assert rounds[0]["deadline"].startswith("2099-01-15T10:00")  # 17:00 in Hà Nội
    response = drafter.post("/consultation/new", data={
        **form, "reviewer_ids": [cast.users["r1"].id], "deadline": "2001-01-01T08:00"})
    assert response.status_code == 422
    # someone else's document is not offered, and cannot be forced
    other = signed_in(app, cast.users["r2"])
    page = other.get("/consultation/new")
    assert "Dự thảo Thông tư" not in page.text
    response = other.post("/consultation/new", data={**form, "csrf_token": csrf_from(page.text),
                                                     "reviewer_ids": [cast.users["r1"].id]})
    assert response.status_code == 422


def call_rounds(app, cast):
    client = app.test_client()
    response = client.get("/api/v1/consultation-rounds", headers=cast.headers("drafter"))
    return response.status_code, response.get_json()


def test_the_comparison_page_marks_insertions_and_deletions(app, client, cast, draft):
    table = [["Cơ quan", "Thời hạn"], ["Bộ Tư pháp", "trong 20 ngày"]]
    new_version(client, cast.headers("drafter"), draft.document_id,
                draft_docx(table=table, after="Điều 3. Hiệu lực từ ngày 01 tháng 01 năm 2027"),
                filename="v2.docx")
    # the drafting side (a reviewer of the v1 round alone may not read v2:
    # tests/consultation/test_version_grant.py)
    page = signed_in(app, cast.users["drafter"]).get(
        f"/consultation/documents/{draft.document_id}/compare?from=1&to=2")
    assert page.status_code == 200
    assert "<del>30</del><ins>trong 20</ins> ngày" in page.text
    assert "Điều 3. Hiệu lực <del>thi hành</del><ins>từ ngày 01 tháng 01 năm 2027</ins>" \
        in page.text
    assert '<select name="from">' in page.text
    drafter = signed_in(app, cast.users["drafter"])
    same = drafter.get(f"/consultation/documents/{draft.document_id}/compare?from=2&to=2")
    assert same.status_code == 422 and '<select name="to">' in same.text
    missing = drafter.get(f"/consultation/documents/{draft.document_id}/compare?from=1&to=7")
    assert missing.status_code == 404


def test_long_unchanged_runs_fold_away(app, client, cast, draft):
    new_version(client, cast.headers("drafter"), draft.document_id,
                draft_docx(after="Điều 3. Hiệu lực từ ngày ký"), filename="v2.docx")
    page = signed_in(app, cast.users["drafter"]).get(
        f"/consultation/documents/{draft.document_id}/compare")  # the last two by default
    assert page.status_code == 200
    assert page.text.count('<details class="diff-same">') == 1  # paragraphs 1-10 unchanged
    assert page.text.count('class="diff-block diff-equal"') == 10
    assert "style=" not in page.text


def test_the_dashboard_shows_drafts_to_review(app, call, cast, draft):
    reviewer = signed_in(app, cast.users["r1"]).get("/")
    assert "Lấy ý kiến dự thảo Nghị định" in reviewer.text
    assert f"/consultation/rounds/{draft.round_id}" in reviewer.text
    drafter = signed_in(app, cast.users["drafter"])
    assert f"/consultation/rounds/{draft.round_id}/answers" not in drafter.get("/").text
    comment(call, cast, draft)
    assert f"/consultation/rounds/{draft.round_id}/answers" in drafter.get("/").text
    outsider = signed_in(app, cast.users["outsider"]).get("/")
    assert "Lấy ý kiến dự thảo Nghị định" not in outsider.text


def test_the_index_lists_rounds(app, cast, draft):
    page = signed_in(app, cast.users["r2"]).get("/consultation")
    assert page.status_code == 200 and "Lấy ý kiến dự thảo Nghị định" in page.text
    assert signed_in(app, cast.users["outsider"]).get("/consultation").status_code == 200


def test_after_a_new_version_the_answers_page_offers_the_next_round(app, client, cast, draft):
    drafter = signed_in(app, cast.users["drafter"])
    page = drafter.get(f"/consultation/rounds/{draft.round_id}/answers")
    assert f"/consultation/new?document_id={draft.document_id}" not in page.text
    new_version(client, cast.headers("drafter"), draft.document_id,
                draft_docx(after="Điều 3. Hiệu lực từ ngày ký"), filename="v2.docx")
    page = drafter.get(f"/consultation/rounds/{draft.round_id}/answers")
    # the round stays open: move it to the new version, or close it
    assert f"/consultation/documents/{draft.document_id}/superseded" in page.text
    assert f"/consultation/documents/{draft.document_id}/compare" in page.text
    assert f"/consultation/rounds/{draft.round_id}/close" in page.text
    drafter.post(f"/consultation/rounds/{draft.round_id}/close",
                 data={"csrf_token": csrf_from(page.text)})
    page = drafter.get(f"/consultation/rounds/{draft.round_id}/answers")
    assert f"/consultation/new?document_id={draft.document_id}" in page.text
    assert f"/consultation/rounds/{draft.round_id}/close" not in page.text


def test_after_uploading_a_new_version_the_drafting_side_is_asked(app, client, cast, draft):
    """The upload page leads to the question, and the reviewers of the closed round are sent
    to the new one (issue 9, point 11)."""
    drafter = signed_in(app, cast.users["drafter"])
    page = drafter.get(f"/documents/{draft.document_id}")
    uploaded = drafter.post(f"/documents/{draft.document_id}/versions", data={
        "csrf_token": csrf_from(page.text),
        "file": (io.BytesIO(draft_docx(after="Điều 3. Mới")), "v2.docx")},
        content_type="multipart/form-data")
    assert uploaded.status_code == 302
    assert uploaded.headers["Location"].endswith(
        f"/consultation/documents/{draft.document_id}/superseded")
    question = drafter.get(uploaded.headers["Location"])
    assert question.status_code == 200 and "phiên bản 2" in question.text
    kept = drafter.post(uploaded.headers["Location"], data={
        "csrf_token": csrf_from(question.text), "round_id": draft.round_id, "choice": "keep"})
    assert kept.status_code == 302
    reviewer = signed_in(app, cast.users["r1"])
    assert "Chuyển sang vòng mới" not in reviewer.get(f"/consultation/rounds/{draft.round_id}").text
    moved = drafter.post(uploaded.headers["Location"], data={
        "csrf_token": csrf_from(question.text), "round_id": draft.round_id, "choice": "move"})
    assert moved.status_code == 302
    shown = reviewer.get(f"/consultation/rounds/{draft.round_id}")
    assert "Chuyển sang vòng mới" in shown.text
    # nothing left to ask: the question page goes back to the document
    assert drafter.get(uploaded.headers["Location"]).status_code == 302
    # a reviewer may not answer the question
    assert reviewer.get(uploaded.headers["Location"]).status_code in (403, 404)

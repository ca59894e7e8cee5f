"""The demo's decision: drafted from the demo meeting, awaiting the Prime Minister's signature."""

from __future__ import annotations

from sqlalchemy import select

from ecabinet.decisions import drafting
from ecabinet.decisions.models import Decision
from ecabinet.extensions import db

SUMMARY = "Về việc ban hành Kế hoạch triển khai Chính phủ điện tử năm 2027"
BODY = "\n".join([
    "Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015; Luật sửa đổi, bổ sung một số "
    "điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22 tháng 11 "
    "năm 2019;",
    "Căn cứ kết luận của Thủ tướng Chính phủ tại phiên họp Chính phủ thường kỳ;",
    "Theo đề nghị của Bộ trưởng, Chủ nhiệm Văn phòng Chính phủ.",
    "THỦ TƯỚNG CHÍNH PHỦ",
    "QUYẾT ĐỊNH:",
    "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch triển khai Chính phủ điện tử năm 2027.",
    "Điều 2. Quyết định này có hiệu lực thi hành kể từ ngày ký ban hành.",
    "Điều 3. Các Bộ trưởng, Thủ trưởng cơ quan ngang bộ, Thủ trưởng cơ quan thuộc Chính phủ, "
    "Chủ tịch Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương chịu trách nhiệm thi "
    "hành Quyết định này.",
])
RECIPIENTS = "\n".join(["Như Điều 3", "Thủ tướng, các Phó Thủ tướng Chính phủ",
                        "VPCP: BTCN, các PCN, Cục KSTTHC", "Lưu: VT, KSTT"])


def ensure_demo_decision(secretary_email: str, signer_email: str, meeting_title: str) -> bool:
    """Idempotent: one draft with this summary; True when it was created now. Its PDF is
    rendered by the documents' queue (after the first request when ``make run`` serves)."""
    from ecabinet.identity.services import user_by_email
    from ecabinet.meetings.models import Meeting

    if db.session.scalar(select(Decision.id).where(Decision.summary == SUMMARY)) is not None:
        return False
    secretary, signer = user_by_email(secretary_email), user_by_email(signer_email)
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == meeting_title))
    if secretary is None or signer is None or meeting is None:
        return False
    drafting.draft(secretary, kind="quyet_dinh", summary=SUMMARY, body=BODY,
                   signer_id=signer.id, authority="THỦ TƯỚNG", recipients=RECIPIENTS,
                   meeting_id=meeting.id)
    return True

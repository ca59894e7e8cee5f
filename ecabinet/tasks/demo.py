"""The demo's follow-up: last month's conclusions notice with its tasks already under way (some
reported done, one late), and this month's notice waiting for the secretariat to turn its lines
into tasks (one of them with a date without a year, for the screen to flag).

Dates are relative to the day of seeding. The earlier tasks' history is written back in time
(assigned two months ago, done or late since): the services refuse a deadline in the past, as
they should, so the history is made with them and then dated back here.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ecabinet.decisions.models import Decision
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, User
from ecabinet.identity.services import user_by_email
from ecabinet.tasks import services
from ecabinet.tasks.figures import today
from ecabinet.tasks.models import Task

PREVIOUS = "Kết luận của Thủ tướng Chính phủ tại Phiên họp Chính phủ thường kỳ tháng 10 năm 2026"
CURRENT = "Kết luận của Thủ tướng Chính phủ tại Phiên họp Chính phủ thường kỳ tháng 11 năm 2026"

#: Last month's tasks: (lead, title, product, deadline in days from today (None: ongoing),
#: what happened: "done" on time, "done_late", "late", "progress", "submitted", "assigned").
PREVIOUS_TASKS = [
    ("Bộ Tài chính", "Báo cáo Thủ tướng Chính phủ tình hình thu ngân sách nhà nước 10 tháng "
     "và dự kiến cả năm 2026", "Báo cáo", -40, "done"),
    ("Bộ Tư pháp", "Rà soát các văn bản quy phạm pháp luật về đầu tư công, đề xuất sửa đổi "
     "những quy định còn chồng chéo", "Báo cáo rà soát", -10, "late"),
    ("Bộ Kế hoạch và Đầu tư", "Xây dựng Báo cáo tình hình kinh tế - xã hội quý IV năm 2026",
     "Báo cáo", -20, "done_late"),
    ("Bộ Nội vụ", "Hoàn thiện Đề án sắp xếp đơn vị sự nghiệp công lập thuộc các bộ",
     "Đề án", 25, "progress"),
    ("Bộ Tài chính", "Trình Chính phủ dự thảo Nghị định về quản lý nợ công", "Dự thảo Nghị định",
     5, "submitted"),
    ("Bộ Kế hoạch và Đầu tư", "Theo dõi, đôn đốc giải ngân vốn đầu tư công, báo cáo tại các "
     "phiên họp Chính phủ thường kỳ", None, None, "assigned"),
]


def _vietnamese_day(day: date) -> str:
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def current_notice_text(on: date) -> str:
    """This month's notice: five lines that assign work, as the Government Office writes them."""
    first = on + timedelta(days=75)
    month = on + timedelta(days=45)
    quarter_year, quarter = (on.year, (on.month - 1) // 3 + 2) if on.month <= 9 else \
        (on.year + 1, 1)
    no_year = on + timedelta(days=30)
    roman = {1: "I", 2: "II", 3: "III", 4: "IV"}[quarter]
    return "\n".join([
        "Thủ tướng Chính phủ kết luận và giao nhiệm vụ như sau:",
        f"1. Giao Bộ Tài chính chủ trì, phối hợp với Bộ Kế hoạch và Đầu tư và Bộ Tư pháp hoàn "
        f"thiện dự thảo Nghị định sửa đổi, bổ sung Nghị định về quản lý, thanh toán, quyết toán "
        f"dự án sử dụng vốn đầu tư công, trình Chính phủ trước {_vietnamese_day(first)}.",
        f"2. Bộ Tư pháp chủ trì thẩm định dự thảo Nghị định quy định chi tiết một số điều của "
        f"Luật Đầu tư công, báo cáo Thủ tướng Chính phủ trong tháng {month.month} năm "
        f"{month.year}.",
        f"3. Bộ Nội vụ chủ trì, phối hợp với Văn phòng Chính phủ hoàn thiện Phương án kiện toàn "
        f"nhân sự một số cơ quan thuộc Chính phủ, trình Thủ tướng Chính phủ trong quý {roman} "
        f"năm {quarter_year}.",
        "4. Bộ Kế hoạch và Đầu tư thường xuyên theo dõi, đôn đốc giải ngân vốn đầu tư công.",
        f"5. Ủy ban nhân dân thành phố Hà Nội báo cáo kết quả thí điểm chính quyền đô thị "
        f"trước ngày {no_year.day} tháng {no_year.month}.",
    ])


def _notice(secretary: User, signer: User, summary: str, body: str) -> Decision:
    from ecabinet.decisions import drafting

    found = db.session.scalar(select(Decision).where(Decision.summary == summary))
    if found is not None:
        return found
    # A conclusions notice is the Government Office's (TB-VPCP), signed for the Prime Minister.
    office = db.session.scalar(select(Organisation.id).where(Organisation.code == "VPCP"))
    return drafting.draft(secretary, kind="thong_bao_ket_luan", summary=summary, body=body,
                          signer_id=signer.id, issuer_id=office,
                          recipients="Các Bộ, cơ quan liên quan\nLưu: VT")


def _org(name: str) -> int | None:
    return db.session.scalar(select(Organisation.id).where(Organisation.name == name))


def ensure_demo_tasks(secretary_email: str, signer_email: str,
                      liaisons: dict[str, str]) -> list[str]:
    """Idempotent; what it created. ``liaisons``: organisation name → its liaison's e-mail."""
    secretary, signer = user_by_email(secretary_email), user_by_email(signer_email)
    if secretary is None or signer is None:
        return []
    created = []
    on = today()
    if db.session.scalar(select(Decision.id).where(Decision.summary == CURRENT)) is None:
        _notice(secretary, signer, CURRENT, current_notice_text(on))
        created.append("conclusions notice awaiting its tasks")
    if db.session.scalar(select(Decision.id).where(Decision.summary == PREVIOUS)) is not None:
        return created
    body = "\n".join(f"{n}. {lead} chủ trì: {title}." for n, (lead, title, *_rest)
                     in enumerate(PREVIOUS_TASKS, 1))
    notice = _notice(secretary, signer, PREVIOUS, body)
    for lead, title, product, days, story in PREVIOUS_TASKS:
        lead_id = _org(lead)
        if lead_id is None:
            continue
        task = services.create_task(
            secretary, title=title, lead_id=lead_id, ongoing=days is None,
            deadline=None if days is None else on + timedelta(days=max(days, 0) + 1),
            expected_product=product, product_required=False, source_kind="notice",
            source_id=notice.id)
        _play(task, story, secretary, user_by_email(liaisons.get(lead, "")), on, days)
    created.append(f"{len(PREVIOUS_TASKS)} tasks of last month's notice")
    return created


def _play(task: Task, story: str, secretary: User, liaison: User | None, on: date,
          days: int | None) -> None:
    """Its history, through the services, then dated back."""
    if liaison is not None and story in ("done", "done_late", "progress", "submitted"):
        services.report_progress(liaison, task, note="Đã xây dựng dự thảo, đang lấy ý kiến "
                                                     "các bộ, ngành liên quan.")
        if story != "progress":
            services.report_done(liaison, task, note="Đã hoàn thành, gửi kèm sản phẩm.")
        if story in ("done", "done_late"):
            services.accept(secretary, task, note="Đạt yêu cầu.")
    task.assigned_on = on - timedelta(days=60)
    if days is not None:
        task.deadline = task.original_deadline = on + timedelta(days=days)
    finished = {"done": -45, "done_late": -15}.get(story)
    if finished is not None:
        task.submitted_on = task.done_on = on + timedelta(days=finished)
    db.session.flush()

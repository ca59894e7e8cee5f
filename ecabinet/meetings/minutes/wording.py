"""The record in the minutes' words: a vote's lines, an item's heading and outcome.

Plain text, no layout: the .docx (:mod:`.documents`) and the decisions' drafts use the same
sentences.
"""

from __future__ import annotations

from datetime import datetime

from ecabinet.meetings.minutes.record import ItemRecord, PositionTally, VoteRecord


def clock_time(value: datetime) -> str:
    return f"{value.hour:02d} giờ {value.minute:02d}"


def count_words(tally: PositionTally) -> str:
    return (f"{tally.agree} tán thành, {tally.against} không tán thành, "
            f"{tally.speak} đăng ký phát biểu, {tally.none} chưa có ý kiến")


def vote_lines(vote: VoteRecord) -> list[tuple[str, str]]:
    """(label, text) lines describing one vote in the minutes."""
    form = "bỏ phiếu kín" if vote.secret else "biểu quyết công khai"
    lines = [("Nội dung biểu quyết: ", f"{vote.question.rstrip('.?')}."),
             ("Hình thức: ", f"{form}; nguyên tắc thông qua: {vote.rule_words}."),
             ]
    if vote.status == "tallying":  # a secret vote's box closed, its trustees not all decrypted
        lines.append(("Kết quả: ", "đã kết thúc bỏ phiếu, đang chờ người giữ khóa giải mã kết "
                                   "quả."))
        return lines
    if vote.status != "closed":
        lines.append(("Kết quả: ", "chưa kết thúc biểu quyết khi phiên họp tạm dừng."))
        return lines
    lines.append(("Kết quả: ", f"{vote.yes} tán thành, {vote.no} không tán thành, "
                               f"{vote.abstain} không biểu quyết, {vote.absent} vắng mặt hoặc "
                               f"không tham gia (trên tổng số {vote.members_total} thành viên, "
                               f"{vote.present_total} có mặt)."))
    verdict = vote.outcome_words or ""
    if vote.decided_by_chair:
        verdict += (" (số phiếu tán thành và không tán thành ngang nhau, kết quả theo ý kiến "
                    "mà Chủ tọa đã biểu quyết)")
    lines.append(("Kết luận: ", f"{verdict}."))
    return lines


def item_heading(item: ItemRecord) -> str:
    marked = item.title.lower().rstrip().endswith("(mật)")
    secret = " (Mật)" if item.confidential and not marked else ""
    return f"{item.position}. {item.title}{secret}"


def presenter_line(item: ItemRecord) -> str | None:
    parts = [item.presenting_agency] if item.presenting_agency else []
    if item.presenter:
        parts.append(f"trình bày: {item.presenter.label}")
    return "; ".join(parts) + "." if parts else None


def outcome_lines(item: ItemRecord) -> list[tuple[str, str]]:
    """(label, text): each closed vote's question and result, or how the item ended."""
    lines = []
    for vote in (v for v in item.votes if v.status == "closed"):
        text = (f"{vote.question.rstrip('.?')}: {vote.outcome_words} ({vote.yes}/"
                f"{vote.members_total} thành viên Chính phủ tán thành; nguyên tắc: "
                f"{vote.rule_words}")
        if vote.decided_by_chair:
            text += "; số phiếu ngang nhau, kết quả theo ý kiến mà Chủ tọa đã biểu quyết"
        lines.append(("Kết quả biểu quyết: ", text + ")."))
    if item.adopted_without_discussion:
        lines.append(("Kết quả: ", "nội dung được thông qua không thảo luận (không có ý kiến "
                                   "không tán thành)."))
    if not lines:
        lines.append(("Kết quả: ", "Chính phủ đã thảo luận, cho ý kiến; chưa biểu quyết."))
    return lines

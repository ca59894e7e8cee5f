"""E-mail about consultation rounds: the reviewers are told when a newer version of the draft
is uploaded during their round, whichever the drafting side chose (issue 9, point 11): the
round kept on the version they review, or moved to the newer one. The app says it too (the
dashboard, the round's page); this is the mail, when a mail server is configured.

A confidential draft's title never travels by mail: the message names the round only by its
link."""

from __future__ import annotations

from ecabinet.consultation.models import ConsultationRound
from ecabinet.i18n import vietnamese_datetime
from ecabinet.notify.mail import letters, public_link, send_after_commit


def _what(round_: ConsultationRound) -> str:
    return "một dự thảo văn bản mật" if round_.document.confidential \
        else f"dự thảo “{round_.title}”"


def superseded_mails(round_: ConsultationRound, *, actor, choice: str, newer_version: int,
                     successor: ConsultationRound | None) -> list:
    old = round_.version.number
    if choice == "move" and successor is not None:
        body = (f"Đơn vị soạn thảo đã có phiên bản {newer_version} của {_what(round_)}. "
                f"Đợt lấy ý kiến trên phiên bản {old} đã kết thúc; đồng chí được đề nghị góp ý "
                f"trên phiên bản {newer_version} trước {vietnamese_datetime(successor.deadline)}."
                f"\nGóp ý tại: {public_link(f'/consultation/rounds/{successor.id}')}\n")
    else:
        body = (f"Đơn vị soạn thảo đã có phiên bản {newer_version} của {_what(round_)}. "
                f"Đợt lấy ý kiến đồng chí đang tham gia vẫn giữ trên phiên bản {old}: đồng chí "
                f"tiếp tục góp ý trên phiên bản {old} trước "
                f"{vietnamese_datetime(round_.deadline)}.\n"
                f"Góp ý tại: {public_link(f'/consultation/rounds/{round_.id}')}\n")
    title = "Dự thảo văn bản mật" if round_.document.confidential else round_.title
    reviewers = [r.user for r in round_.reviewers if r.user_id != getattr(actor, "id", None)]
    return letters(reviewers, f"Dự thảo có phiên bản mới: {title}", body)


def on_round_superseded(round_: ConsultationRound, **kwargs) -> None:
    """After the commit, when SMTP is configured; the dashboard and the round's page say it
    either way."""
    send_after_commit(superseded_mails(round_, **kwargs))

"""Tasks the Government assigns (nhiệm vụ), their reports and their extensions.

A task comes from a source (a conclusions notice, a decision's article, a vote, a written
poll's result, or the secretariat's hand), is led by one organisation (chủ trì) with others
coordinating (phối hợp), and runs to a deadline or is ongoing (thường xuyên). Organisations
are referenced by id only: the directory is the identity feature's.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecabinet.extensions import db
from ecabinet.identity.models import utcnow


class SourceKind(enum.StrEnum):
    NOTICE = "notice"  # thông báo kết luận (a Decision of kind thong_bao_ket_luan)
    DECISION = "decision"  # an article of a quyết định / nghị quyết
    VOTE = "vote"  # a vote's outcome in a meeting
    POLL = "poll"  # a written poll's result
    MANUAL = "manual"  # entered by the secretariat


class TaskStatus(enum.StrEnum):
    """Stored states. "Overdue" is not one: it is computed from the deadline and today
    (:func:`ecabinet.tasks.figures.standing`), so it never goes stale."""

    ASSIGNED = "assigned"  # đã giao
    IN_PROGRESS = "in_progress"  # đang thực hiện
    SUBMITTED = "submitted"  # báo cáo hoàn thành, chờ Văn phòng Chính phủ xác nhận
    DONE = "done"  # đã hoàn thành (accepted)


class ReportKind(enum.StrEnum):
    PROGRESS = "progress"  # báo cáo tiến độ
    DONE = "done"  # báo cáo hoàn thành, with the product
    ACCEPTED = "accepted"  # the secretariat accepts the done report
    RETURNED = "returned"  # … or returns it, with a reason


class ExtensionState(enum.StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"


class Task(db.Model):
    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_lead_status", "lead_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(1000))
    source_kind: Mapped[str] = mapped_column(String(20), default=SourceKind.MANUAL.value)
    #: The source, by its kind: a notice or decision (decision_id, with the article for a
    #: decision), a vote (vote_id), a poll (poll_id). Only that one decides who may read a
    #: confidential task (:mod:`ecabinet.tasks.access`).
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", ondelete="SET NULL"), index=True)
    #: "Điều 2", "khoản 3": where in the decision the task is written.
    article: Mapped[str | None] = mapped_column(String(100))
    vote_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id", ondelete="SET NULL"))
    poll_id: Mapped[int | None] = mapped_column(ForeignKey("polls.id", ondelete="SET NULL"))
    #: The meeting it came from, when there is one (the dashboard's filter; not an access rule).
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    #: Inherited from the source when created (a confidential item, a decision from one):
    #: then only those who may read the source see the task.
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    lead_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: None for an ongoing task (thường xuyên).
    deadline: Mapped[date | None] = mapped_column(Date)
    #: The deadline as first assigned, before any extension.
    original_deadline: Mapped[date | None] = mapped_column(Date)
    #: "Trình Chính phủ dự thảo Nghị định …": what the lead organisation must hand in.
    expected_product: Mapped[str | None] = mapped_column(String(1000))
    #: A done report must carry a result document.
    product_required: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.ASSIGNED.value,
                                        index=True)
    #: The day the lead organisation reported it done (kept when accepted: on time or late
    #: is judged on it).
    submitted_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    result_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"))
    assigned_on: Mapped[date] = mapped_column(Date)
    #: The day its liaisons were last reminded of it by e-mail (once a day at most).
    reminded_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    coordinators: Mapped[list[TaskCoordinator]] = relationship(
        back_populates="task", cascade="all, delete-orphan", lazy="selectin",
        order_by="TaskCoordinator.id")
    reports: Mapped[list[TaskReport]] = relationship(
        back_populates="task", cascade="all, delete-orphan", lazy="select",
        order_by="TaskReport.id")
    extensions: Mapped[list[TaskExtension]] = relationship(
        back_populates="task", cascade="all, delete-orphan", lazy="select",
        order_by="TaskExtension.id")

    @property
    def ongoing(self) -> bool:
        return self.deadline is None

    @property
    def coordinator_ids(self) -> list[int]:
        return [c.organisation_id for c in self.coordinators]


class TaskCoordinator(db.Model):
    """An organisation that coordinates (phối hợp): it sees the task, the lead reports."""

    __tablename__ = "task_coordinators"
    __table_args__ = (UniqueConstraint("task_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)

    task: Mapped[Task] = relationship(back_populates="coordinators")


class TaskReport(db.Model):
    """One line of a task's history: a progress or done report by the lead organisation, or the
    secretariat's acceptance or return (with its reason)."""

    __tablename__ = "task_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    task: Mapped[Task] = relationship(back_populates="reports")
    documents: Mapped[list[TaskReportDocument]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="TaskReportDocument.id")

    @property
    def document_ids(self) -> list[int]:
        return [d.document_id for d in self.documents]


class TaskReportDocument(db.Model):
    __tablename__ = "task_report_documents"
    __table_args__ = (UniqueConstraint("report_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("task_reports.id", ondelete="CASCADE"),
                                           index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))


class TaskExtension(db.Model):
    """A request to move the deadline (gia hạn), with its reason, and the secretariat's answer
    with its own."""

    __tablename__ = "task_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    requested_deadline: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(20), default=ExtensionState.REQUESTED.value)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    #: The deadline before a granted extension moved it.
    previous_deadline: Mapped[date | None] = mapped_column(Date)

    task: Mapped[Task] = relationship(back_populates="extensions")


#: How many ids a page may send at once (coordinators, documents): more is a mistake.
MAX_LINKS = 50

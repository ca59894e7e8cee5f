"""Notifications by e-mail: meeting invitations with an .ics file, reminders, the reviewers
of a draft told of a newer version.

E-mail goes out only when ECABINET_SMTP_URL is set; in-app notice is the dashboard itself.
Messages leave after the transaction that caused them commits, in a background task, so a
slow mail server never holds a request (or a lock) and a rolled-back change sends nothing.
What became of the tracked ones (queued, sent, failed) is :mod:`.deliveries`.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from ecabinet.consultation.signals import round_superseded
    from ecabinet.meetings.models import Meeting
    from ecabinet.meetings.signals import agenda_changed, meeting_published
    from ecabinet.meetings.versions import track
    from ecabinet.notify.cli import notify_cli
    from ecabinet.notify.consultation import on_round_superseded
    from ecabinet.notify.meetings import on_agenda_changed, on_published
    from ecabinet.notify.models import MailDelivery  # the table, for migrations too

    # The organisers' read of a meeting shows its invitations' e-mail: an outcome written
    # moves the meeting's version (its ETag), as any other change it shows.
    track(MailDelivery, lambda rows: {row.about_id for row in rows
                                      if row.about_type == Meeting.__tablename__})
    meeting_published.connect(on_published)
    agenda_changed.connect(on_agenda_changed)
    round_superseded.connect(on_round_superseded)
    app.cli.add_command(notify_cli)

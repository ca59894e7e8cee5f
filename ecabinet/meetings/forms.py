"""Forms of the meeting pages (Flask-WTF: every form carries a CSRF token), and the words the
pages use for the meetings' statuses, kinds, roles and vote rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ecabinet.i18n import VIETNAM, in_vietnam
from ecabinet.inputs import SaneDate
from ecabinet.meetings.models import (
    MeetingKind,
    MeetingStatus,
    ParticipantRole,
    QuorumRule,
    VoteRule,
)

# --- words ---------------------------------------------------------------------------------------

STATUS_LABELS = {
    MeetingStatus.DRAFT: _l("Draft"),
    MeetingStatus.PUBLISHED: _l("Invitations sent"),
    MeetingStatus.IN_SESSION: _l("In session"),
    MeetingStatus.ADJOURNED: _l("Adjourned"),
    MeetingStatus.CLOSED: _l("Ended"),
}

KIND_LABELS = {
    MeetingKind.REGULAR: _l("Regular meeting"),
    MeetingKind.THEMATIC: _l("Thematic meeting"),
}

ROLE_LABELS = {
    ParticipantRole.CHAIR: _l("Chair"),
    ParticipantRole.MEMBER: _l("Member"),
    ParticipantRole.GUEST: _l("Invited guest"),
    ParticipantRole.SECRETARY: _l("Secretary of the meeting"),
}

RULE_LABELS = {
    VoteRule.MAJORITY_OF_ALL: _l("More than half of all members"),
    VoteRule.MAJORITY_OF_PRESENT: _l("More than half of the members present"),
    VoteRule.TWO_THIRDS_OF_ALL: _l("Two thirds of all members"),
    VoteRule.TWO_THIRDS_OF_PRESENT: _l("Two thirds of the members present"),
}


QUORUM_LABELS = {
    QuorumRule.TWO_THIRDS: _l("Two thirds of the members present (the Government's working "
                              "rules)"),
    QuorumRule.MAJORITY: _l("More than half of the members present"),
}


def label(labels: dict, value: str) -> str:
    """The word for a stored value; the value itself when it has none."""
    try:
        return str(labels[value])
    except KeyError:
        return value


# --- fields --------------------------------------------------------------------------------------
# WTForms ships no Vietnamese catalogue: its messages are given here, translatable.

def required():
    return DataRequired(message=_l("Fill in this field."))


def at_most(n: int):
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class CheckboxList(SelectMultipleField):
    """Several choices as a list of checkboxes (a long <select multiple> is hard on a tablet)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def user_choices(users, *, empty: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice("", empty)] if empty is not None else []
    for user in users:
        about = ", ".join(part for part in (user.title, user.organisation.name
                                            if user.organisation else None) if part)
        choices.append(SelectChoice(str(user.id), f"{user.name} ({about})" if about else user.name))
    return choices


# --- forms ---------------------------------------------------------------------------------------

class MeetingForm(FlaskForm):
    title = StringField(_l("Title"), validators=[required(), at_most(300)])
    kind = SelectField(_l("Kind of meeting"), choices=[
        SelectChoice(kind.value, label_) for kind, label_ in KIND_LABELS.items()],
        invalid_choice_message=_l("Choose one of the options."))
    starts_at = DateTimeLocalField(_l("Date and time"), format="%Y-%m-%dT%H:%M",
                                   validators=[required(), SaneDate()])
    location = StringField(_l("Location"), validators=[Optional(), at_most(200)])
    quorum_rule = SelectField(_l("Quorum"), default=QuorumRule.TWO_THIRDS.value, choices=[
        SelectChoice(rule.value, label_) for rule, label_ in QUORUM_LABELS.items()],
        invalid_choice_message=_l("Choose one of the options."))

    @classmethod
    def for_meeting(cls, meeting):
        """The form filled in with a meeting's details; the time as read in Viet Nam."""
        return cls(title=meeting.title, kind=meeting.kind, location=meeting.location,
                   quorum_rule=meeting.quorum_rule,
                   starts_at=in_vietnam(meeting.starts_at).replace(tzinfo=None))

    def values(self) -> dict:
        """What the services take: the date-time typed in is Viet Nam's time."""
        return {"title": self.title.data, "kind": self.kind.data,
                "starts_at": self.starts_at.data.replace(tzinfo=VIETNAM),
                "location": (self.location.data or "").strip() or None,
                "quorum_rule": self.quorum_rule.data}


class AgendaItemForm(FlaskForm):
    title = StringField(_l("Title of the item"), validators=[required(), at_most(500)])
    presenting_agency = StringField(_l("Presenting agency"),
                                    validators=[Optional(), at_most(200)])
    presenter_id = SelectField(_l("Presenter"), coerce=_optional_int, choices=[],
                               invalid_choice_message=_l("Choose one of the options."))
    duration_min = IntegerField(_l("Time allotted (minutes)"), validators=[
        Optional(), NumberRange(min=1, max=600,
                                message=_l("Between %(min)d and %(max)d minutes."))])
    confidential = BooleanField(_l("Confidential: only its invitees see it"))
    invitee_ids = CheckboxList(_l("Invited to this item"), coerce=int, choices=[],
                               invalid_choice_message=_l("Choose among the participants."))

    @classmethod
    def for_item(cls, item, prefix: str = ""):
        """The form filled in with an item as it is."""
        return cls(prefix=prefix, title=item.title, presenting_agency=item.presenting_agency,
                   presenter_id=item.presenter_id, duration_min=item.duration_min,
                   confidential=item.confidential, invitee_ids=sorted(item.invitee_ids))

    def values(self) -> dict:
        return {"title": self.title.data,
                "presenting_agency": (self.presenting_agency.data or "").strip() or None,
                "presenter_id": self.presenter_id.data, "duration_min": self.duration_min.data,
                "confidential": self.confidential.data,
                "invitee_ids": list(self.invitee_ids.data or [])}


class InviteForm(FlaskForm):
    user_id = SelectField(_l("Person"), coerce=_optional_int, choices=[],
                          validators=[DataRequired(message=_l("Choose a person."))],
                          invalid_choice_message=_l("Choose a person."))
    role = SelectField(_l("Role in the meeting"), default=ParticipantRole.MEMBER.value,
                       choices=[SelectChoice(role.value, label_)
                                for role, label_ in ROLE_LABELS.items()],
                       invalid_choice_message=_l("Choose one of the options."))


class TransitionForm(FlaskForm):
    to = SelectField(choices=[SelectChoice(status.value) for status in MeetingStatus])


def room_words() -> dict:
    """The words the meeting room's script shows, in the user's language (placeholders such as
    %(n)s are filled in by the script)."""
    from flask_babel import gettext as _

    return {
        "status": {status.value: str(text) for status, text in STATUS_LABELS.items()},
        "rule": {rule.value: str(text) for rule, text in RULE_LABELS.items()},
        "choice": {"yes": _("In favour"), "no": _("Against"), "abstain": _("Not voting")},
        "stance": {"agree": _("In favour"), "object": _("Against"), "speak": _("Ask to speak")},
        "outcome": {"adopted": _("Adopted"), "rejected": _("Not adopted")},
        "item": _("Item %(n)s"),
        "minutes": _("%(n)s minutes"),
        "noCurrent": _("No item is under discussion yet."),
        "hiddenItem": _("An item you are not invited to is under discussion."),
        "quorumReached": _("Quorum reached"),
        "quorumMissing": _("No quorum yet"),
        "needed": _("%(n)s needed"),
        "present": _("Present"),
        "absent": _("Absent"),
        # a ballot's count of those who did not vote: the absent and the present who did not
        "notVoted": _("Absent or not taking part"),
        "progress": _("%(cast)s of %(eligible)s have voted"),
        "youSpeak": _("You have the floor"),
        "giveFloor": _("Give the floor"),
        "waiting": _("Waiting"),
        "online": _("Live"),
        "offline": _("Connection lost: reconnecting…"),
        "connecting": _("Connecting…"),
        "saved": _("Your position is recorded."),
        "secretVoted": _("(secret ballot)"),
        "notEligible": _("You do not vote in this ballot: only the members present when it "
                         "opened vote."),
        "observer": _("You follow the progress of this vote."),
        "tally": _("In favour %(agree)s · Against %(object)s · Asking to speak %(speak)s · "
                   "No position %(none)s"),
        "uncontested": _("Items that may be adopted without discussion: %(list)s."),
        "stances": {"agree": _("in favour"), "object": _("against"),
                    "speak": _("asks to speak")},
        "noUncontested": _("No item can be adopted without discussion."),
        "adoptConfirm": _("Adopt items %(list)s together, without discussion?"),
        "adopted": _("Adopted without discussion."),
        "closeConfirm": _("Close the vote and announce the result?"),
        "adjournConfirm": _("Adjourn the session?"),
        "endConfirm": _("End the meeting? Nothing can be changed afterwards."),
        "defaultQuestion": _("Do you approve “%(title)s”?"),
        "result": _("In favour %(yes)s · Against %(no)s · Not voting %(abstain)s · Absent or "
                    "not taking part %(absent)s"),
        "decidedByChair": _("A tie, decided by the side the chair voted with."),
        "voteOn": _("Vote on item %(n)s"),
        "noAnswer": _("The server did not answer. Check the connection and try again."),
        "error": _("Something went wrong. Try again."),
        # the room's bar over the document viewer
        "speakingNow": _("Speaking: %(name)s"),
        "waitingCount": _("%(n)s waiting to speak"),
        "noSpeaker": _("Nobody has the floor"),
        # verifiable secret votes (issue 10)
        "waitingDecrypt": _("Waiting for decryption: %(names)s"),
        "copied": _("Copied."),
        "encryptFailed": _("The ballot could not be encrypted on this tablet: %(why)s"),
        "codeMismatch": _("The server's tracking code differs from the one this tablet "
                          "computed: tell the secretariat."),
        "pinsMissing": _("Each trustee types their vote PIN (6 to 64 characters)."),
        "closeVerifiableConfirm": _("Close the ballot box? The trustees then decrypt the "
                                    "result."),
    }

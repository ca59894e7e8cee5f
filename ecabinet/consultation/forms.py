"""Forms of the consultation pages (CSRF through Flask-WTF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ecabinet.inputs import SaneDate

_FILL = _l("Fill in this field.")


class RoundForm(FlaskForm):
    document_id = SelectField(_l("Draft"), coerce=int, validators=[DataRequired(message=_FILL)])
    title = StringField(_l("Title of the round"), validators=[Optional(), Length(max=500)])
    reviewer_ids = SelectMultipleField(
        _l("Reviewers"), coerce=int, widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(message=_l("Choose at least one reviewer."))])
    deadline = DateTimeLocalField(_l("Deadline for comments"), format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired(message=_FILL), SaneDate()])


class CommentForm(FlaskForm):
    anchor = HiddenField(validators=[DataRequired()])
    text = TextAreaField(_l("Your comment"), validators=[
        DataRequired(message=_l("Write something first.")), Length(max=10_000)])


class ReplyForm(FlaskForm):
    text = TextAreaField(_l("Reply"), validators=[
        DataRequired(message=_l("Write something first.")), Length(max=10_000)])
    back = HiddenField()


class AnswerForm(FlaskForm):
    kind = RadioField(_l("Answer"), choices=[
        SelectChoice("accepted", _l("Taken in (tiếp thu)")),
        SelectChoice("explained", _l("Explained (giải trình)"))],
        validators=[DataRequired(message=_l("Choose taken in or explained."))])
    text = TextAreaField(_l("How it is taken in, or why not"), validators=[
        DataRequired(message=_l("Write something first.")), Length(max=10_000)])

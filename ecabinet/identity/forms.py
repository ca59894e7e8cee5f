"""Sign-in and account forms (Flask-WTF: every form carries a CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ecabinet.identity.models import Role

# WTForms ships no Vietnamese catalogue: its messages are given here, translatable.


def required():
    return DataRequired(message=_l("Fill in this field."))


def at_most(n: int):
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[required(), at_most(254)])
    password = PasswordField(_l("Password"), validators=[required(), at_most(1024)])


class OtpForm(FlaskForm):
    code = StringField(_l("Code"), validators=[
        required(), Length(min=6, max=8, message=_l("The code has 6 digits."))])


LANGUAGE_CHOICES = [SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]


def role_choices():
    return [SelectChoice(role.value, role_label(role)) for role in Role]


def role_label(role: Role) -> str:
    labels = {
        Role.ADMIN: _l("Administrator"),
        Role.SECRETARIAT: _l("Secretariat"),
        Role.MEMBER: _l("Government member"),
        Role.SIGNER: _l("Signer"),
        Role.CLERK: _l("Clerk"),
        Role.GUEST: _l("Guest"),
        Role.LIAISON: _l("Liaison"),
    }
    return str(labels[role])


class UserForm(FlaskForm):
    # The e-mail's format is checked by the service, which every way of creating a user uses.
    email = EmailField(_l("E-mail"), validators=[required(), at_most(254)])
    name = StringField(_l("Full name"), validators=[required(), at_most(200)])
    title = StringField(_l("Position"), validators=[Optional(), at_most(200)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), at_most(200)])
    roles = SelectMultipleField(_l("Roles"), choices=role_choices, validators=[
        DataRequired(message=_l("Choose at least one role."))])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    password = PasswordField(_l("New password"), validators=[
        Optional(), Length(min=10, max=1024, message=_l("At least 10 characters."))])
    active = BooleanField(_l("Active"), default=True)


class PreferencesForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)

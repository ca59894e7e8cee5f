"""The admin page's form (the service checks the formats; the form bounds the lengths)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import Optional

from ecabinet.identity.forms import at_most, required


class OrganisationForm(FlaskForm):
    identifier = StringField(_l("Identifier (mã định danh)"),
                             validators=[required(), at_most(13)],
                             render_kw={"placeholder": "000.00.00.G22", "autocapitalize":
                                        "characters", "spellcheck": "false"})
    code = StringField(_l("Symbol code"), validators=[required(), at_most(20)],
                       render_kw={"placeholder": "VPCP", "spellcheck": "false",
                                  "class": "symbol-code"})
    name = StringField(_l("Name of the organisation"), validators=[required(), at_most(200)])
    parent_id = SelectField(_l("Belongs to"), coerce=int, validators=[Optional()])
    address = StringField(_l("Address"), validators=[Optional(), at_most(300)])
    email = EmailField(_l("E-mail"), validators=[Optional(), at_most(254)])
    telephone = StringField(_l("Telephone"), validators=[Optional(), at_most(50)],
                            render_kw={"inputmode": "tel"})
    fax = StringField(_l("Fax"), validators=[Optional(), at_most(50)],
                      render_kw={"inputmode": "tel"})
    website = StringField(_l("Website"), validators=[Optional(), at_most(200)],
                          render_kw={"inputmode": "url"})
    active = BooleanField(_l("Active"), default=True)

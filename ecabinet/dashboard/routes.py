from flask import Blueprint, render_template
from flask_login import current_user

from ecabinet.dashboard.sections import sections_for
from ecabinet.identity.access import login_required

bp = Blueprint("dashboard", __name__, template_folder="templates")


@bp.route("/")
@login_required
def index():
    return render_template("dashboard/index.html", sections=sections_for(current_user))

"""Decisions and other issued documents: drafting, the register, signing order, issue.

- :mod:`.layout` the .docx in the Decree 30/2020 layout; :mod:`.pdf` the form and signature
  fields of the rendered PDF; :mod:`.register` the numbers;
- :mod:`.access` who reads, drafts, signs and issues a decision; :mod:`.drafting` the legal
  wording of a draft and its rendering; :mod:`.distribution` the Nơi nhận (one list: printed,
  read, delivered on issue, first opened); :mod:`.workflow` signing (the competent person),
  issuing (the clerk: number, date, seal), the external-signer flow;
- :mod:`.api` ``/api/v1/decisions…``; :mod:`.routes` the signing inbox and the decision pages.

Configuration (app config; embedded defaults): ``DECISION_LEVELS`` the PAdES level per kind
(B-LT when a kind is not named), ``DECISION_SEAL_LEVEL`` the level of the organisation's
signature (B-LT), ``DECISION_PLACE`` the place in the date line (Hà Nội).
"""

from __future__ import annotations

from flask import Flask

DEFAULTS = {
    "DECISION_LEVELS": {},
    "DECISION_DEFAULT_LEVEL": "B-LT",
    "DECISION_SEAL_LEVEL": "B-LT",
    "DECISION_PLACE": "Hà Nội",
}


def init_app(app: Flask) -> None:
    from ecabinet import api
    from ecabinet.dashboard.sections import register_provider
    from ecabinet.decisions import models  # noqa: F401 - the tables, for migrations
    from ecabinet.decisions.access import (
        documents_read_through_decisions,
        reads_through_decision,
    )
    from ecabinet.decisions.api import blp
    from ecabinet.decisions.dashboard import documents_received, documents_to_sign
    from ecabinet.decisions.drafting import on_version_ready
    from ecabinet.decisions.routes import bp
    from ecabinet.docs.access import grant_reading
    from ecabinet.docs.signals import version_ready

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.register_blueprint(bp)
    api.register(app, blp)
    register_provider("signatures", documents_to_sign)
    register_provider("received", documents_received)
    grant_reading(reads_through_decision, sql=documents_read_through_decisions)
    # A module-level function: blinker keeps it once however many apps are built.
    version_ready.connect(on_version_ready)

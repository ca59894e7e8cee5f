"""What the job queue runs: the entry points RQ calls by name.

``ecabinet docs worker`` runs its jobs inside the app it started with. A plain ``rq worker`` has
no app: each entry point here makes one (once per process, with :func:`ecabinet.create_app`)
and hands it to the feature's job. Like ``ecabinet/__init__.py`` and :mod:`ecabinet.cli`, this
module is the composition root: it imports the features, and no feature imports it (a job
names it by its dotted path only).
"""

from __future__ import annotations

from flask import Flask, current_app, has_app_context

from ecabinet import create_app
from ecabinet.docs import jobs as document_jobs
from ecabinet.interchange.axis import runner as axis_runner
from ecabinet.packs import jobs as pack_jobs
from ecabinet.packs.plan import PackPlan
from ecabinet.search import jobs as search_jobs

_standalone: Flask | None = None


def app_for_job(app: Flask | None = None) -> Flask:
    """``app``, else the current one (``ecabinet docs worker``, this process's worker thread),
    else this process's own, made at the first job (a plain ``rq worker``)."""
    global _standalone
    if app is not None:
        return app
    if has_app_context():
        return current_app._get_current_object()
    if _standalone is None:
        _standalone = create_app()
    return _standalone


def run_conversion(version_id: int, app: Flask | None = None) -> str | None:
    """:func:`ecabinet.docs.jobs.run_conversion`."""
    return document_jobs.run_conversion(version_id, app_for_job(app))


def run_index(document_id: int, app: Flask | None = None) -> bool:
    """:func:`ecabinet.search.jobs.run_index`."""
    return search_jobs.run_index(document_id, app_for_job(app))


def run_build(plan: PackPlan, app: Flask | None = None) -> str | None:
    """:func:`ecabinet.packs.jobs.run_build`."""
    return pack_jobs.run_build(plan, app_for_job(app))


def run_axis(app: Flask | None = None):
    """:func:`ecabinet.interchange.axis.runner.run_once`: send and poll once."""
    return axis_runner.run_once(app_for_job(app))

"""``ecabinet pki init|serve|enroll|unlock`` and ``ecabinet validate``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from ecabinet.database import unit_of_work
from ecabinet.errors import DomainError
from ecabinet.extensions import db

pki_cli = AppGroup("pki", help="The demo PKI: CAs, TSA, OCSP, CRLs and signers' keys.")


@pki_cli.command("init")
@click.option("--url-prefix", default=None,
              help="Where `pki serve` will listen; it goes into the certificates "
                   "(default http://127.0.0.1:9281).")
@click.option("--pin", default=None, help="PIN of the demo signers' keys (default 123456).")
@with_appcontext
def init_command(url_prefix, pin):
    """Create the PKI (once) and give every demo signer and seal a key (idempotent)."""
    from ecabinet.signing import enrolment, pki, tokens

    paths = pki.paths(current_app.config)
    created = pki.create(paths, url_prefix or pki.DEFAULT_URL_PREFIX)
    tokens.write_softhsm_conf(Path(current_app.config["SOFTHSM2_CONF"]))
    if created:
        click.echo(f"PKI created in {paths.root} ({pki.url_prefix(paths)}).")
    try:
        with unit_of_work():
            done = enrolment.enrol_demo(pin or pki.DEMO_PIN)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    for line in done:
        click.echo(f"Enrolled: {line} (PIN {pin or pki.DEMO_PIN}).")


@pki_cli.command("serve")
@click.option("--host", default=None, help="Default: the host of the PKI's URL prefix.")
@click.option("--port", type=int, default=None, help="Default: the port of its URL prefix.")
@with_appcontext
def serve_command(host, port):
    """Serve the TSA (/tsa), OCSP and CRLs over HTTP, on loopback by default."""
    from werkzeug.serving import make_server

    from ecabinet.signing import pki

    paths = pki.paths(current_app.config)
    if not paths.exists():
        raise click.ClickException("No PKI here: run `ecabinet pki init` first.")
    prefix = urlsplit(pki.url_prefix(paths))
    server = make_server(host or prefix.hostname or "127.0.0.1", port or prefix.port or 80,
                         pki.PkiServer(paths), threaded=True)
    click.echo(f"PKI services on http://{server.host}:{server.port} "
               f"(TSA at /tsa, certificates name {pki.url_prefix(paths)})")
    try:
        server.serve_forever()
    except KeyboardInterrupt:  # pragma: no cover
        pass


def _user(email: str):
    from ecabinet.identity.models import User

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No user {email}.")
    return user


def _pin_unless_certificate(ctx, param, value):
    """The PIN is asked for only when a key is made (not with --certificate)."""
    if value is None and not ctx.params.get("certificate_file"):
        value = click.prompt("Pin", hide_input=True, confirmation_prompt=True)
    return value


@pki_cli.command("enroll")
@click.option("--email", required=True)
@click.option("--certificate", "certificate_file", is_eager=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Enrol this certificate (PEM or DER; the key stays on the user's device) "
                   "instead of making a key.")
@click.option("--pin", callback=_pin_unless_certificate)
@click.option("--seal", is_flag=True, help="Enrol the seal key of the user's organisation.")
@with_appcontext
def enroll_command(email, certificate_file, pin, seal):
    """Give a user (or, with --seal, their organisation) a new key and certificate; or, with
    --certificate, enrol a certificate the user holds as theirs (audited)."""
    from ecabinet.signing import certificates, enrolment

    try:
        with unit_of_work():
            user = _user(email)
            if certificate_file is not None:
                row = certificates.enrol(user, certificate_file.read_bytes(), by=None,
                                         method="cli")
                click.echo(f"Certificate enrolled for {user.email}: {row.subject}, "
                           f"SHA-256 {row.fingerprint}.")
                return
            if seal:
                if user.organisation is None:
                    raise click.ClickException(f"{email} belongs to no organisation.")
                key = enrolment.enrol(pin=pin, organisation=user.organisation)
            else:
                key = enrolment.enrol(pin=pin, user=user)
            click.echo(f"Key {key.id} in token {key.token_label}: {key.subject}, "
                       f"serial {key.serial}, valid until {key.not_after:%Y-%m-%d}.")
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc


@pki_cli.command("unlock")
@click.option("--email", required=True)
@click.option("--seal", is_flag=True, help="Unlock the seal key of the user's organisation.")
@with_appcontext
def unlock_command(email, seal):
    """Reset the wrong-PIN counter of a user's key (or their organisation's seal key)."""
    from ecabinet.signing import keys

    try:
        with unit_of_work():
            user = _user(email)
            if seal:
                if user.organisation is None:
                    raise click.ClickException(f"{email} belongs to no organisation.")
                key = keys.seal_key(user.organisation)
            else:
                key = keys.personal_key(user)
            keys.unlock(key)
            click.echo(f"Key {key.id} unlocked.")
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc


def _print_report(result: dict) -> None:
    from ecabinet.signing.validation import REASONS

    click.echo(f"File: {result['file']['bytes']} bytes, {result['file']['revisions']} "
               f"revision(s), sha256 {result['file']['sha256']}")
    if not result["signatures"]:
        click.echo("No signatures.")
    for entry in result["signatures"]:
        signer = entry["signer"] or {}
        click.echo(f"\n[{entry['field']}] {entry['type']} — {signer.get('name')}")
        click.echo(f"  level: {entry['level']}   signing time: {entry['signing_time']}")
        if entry["timestamp"]:
            click.echo(f"  timestamp: {entry['timestamp']['time']} by "
                       f"{entry['timestamp']['authority']} "
                       f"(trusted: {entry['timestamp']['trusted']})")
        click.echo(f"  integrity: intact={entry['integrity']['intact']} "
                   f"valid={entry['integrity']['valid']}   trusted: {entry['trust']['trusted']}")
        click.echo(f"  covers: {entry['coverage']}   changes after: "
                   f"{entry['modification_level']}")
        if entry["docmdp"]:
            click.echo(f"  DocMDP: {entry['docmdp']['permission']} (ok: {entry['docmdp']['ok']})")
        verdict = "VALID" if entry["valid"] else "NOT VALID"
        click.echo(f"  => {verdict}")
        for reason in entry["reasons"]:
            click.echo(f"     - {REASONS.get(reason, reason)}")
    click.echo("\nBottom line: " + ("valid" if result["valid"] else "not valid"))


@click.command("validate")
@click.argument("pdf_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--trust", "trust_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A trusted root certificate (PEM or DER); repeatable. Default: the demo root.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_appcontext
def validate_command(pdf_file, trust_files, as_json):
    """Validate the signatures of a PDF: exit 0 when all are valid, 1 otherwise."""
    from ecabinet.signing.validation import validate_pdf

    trust = [path.read_bytes() for path in trust_files] or None
    try:
        result = validate_pdf(pdf_file.read_bytes(), trust=trust)
    except DomainError as exc:
        if as_json:
            click.echo(json.dumps({"error": {"code": exc.code, "message": exc.message}}))
            sys.exit(2)
        raise click.ClickException(exc.message) from exc
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_report(result)
    sys.exit(0 if result["valid"] else 1)

"""Signing throughput: ecabinet's ``sign_pdf`` against bare pyHanko, same key, TSA and file.

Run by hand (never by the tests):

    .venv/bin/python bench/sign.py              # N=20 of each, B-T
    .venv/bin/python bench/sign.py -n 50 --level B-LT

What one run does: a throwaway instance (SQLite) with one signer; ``ecabinet pki init`` (keys in a
SoftHSM2 token of its own) and ``ecabinet pki serve`` on a free loopback port; a 20-page PDF.
Then, alternating so that both see the same machine state, N signatures through
``ecabinet.signing.pades.sign_pdf`` (database lookup of the key, lockout bookkeeping,
revocation check — cached after the first —, PKCS#11 session per signature, the commit) and N
with bare pyHanko (``PKCS11SigningContext`` per signature, ``PdfSigner`` with one
``HTTPTimeStamper`` reused, ``asyncio.run``), after two warm-up rounds each. Prints the medians,
the ratio service/bare (target ≤ 1.3) and signatures per second. Stops the server it started.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PIN = "135790"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def twenty_pages() -> bytes:
    """A 20-page document with a few lines of text a page (Helvetica, no embedded font)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter()
    font = writer.add_object(generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Font"),
        generic.pdf_name("/Subtype"): generic.pdf_name("/Type1"),
        generic.pdf_name("/BaseFont"): generic.pdf_name("/Helvetica")}))
    for number in range(1, 21):
        lines = "".join(f"(Article {number}.{i}: the Government decides, clause {i}.) Tj T* "
                        for i in range(1, 40))
        content = f"BT /F1 11 Tf 14 TL 60 780 Td {lines}ET".encode()
        stream = writer.add_object(generic.StreamObject(stream_data=content))
        page = generic.DictionaryObject({
            generic.pdf_name("/Type"): generic.pdf_name("/Page"),
            generic.pdf_name("/MediaBox"): generic.ArrayObject(
                [generic.NumberObject(v) for v in (0, 0, 595, 842)]),
            generic.pdf_name("/Contents"): stream,
            generic.pdf_name("/Resources"): generic.DictionaryObject({
                generic.pdf_name("/Font"): generic.DictionaryObject(
                    {generic.pdf_name("/F1"): font})})})
        writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def start_server(instance: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "ECABINET_INSTANCE_DIR": str(instance)}
    log = open(instance / "serve.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "flask", "--app", "wsgi", "pki", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):  # noqa: S310
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("pki serve did not start: " + (instance / "serve.log").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=20, help="signatures of each kind (20)")
    parser.add_argument("--level", default="B-T", choices=["B-B", "B-T", "B-LT", "B-LTA"])
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="bench-sign-"))
    port = free_port()
    os.environ["ECABINET_INSTANCE_DIR"] = str(instance)
    os.environ["ECABINET_TSA_URL"] = f"http://127.0.0.1:{port}/tsa"
    server = None
    try:
        from flask_migrate import upgrade

        from ecabinet import create_app
        from ecabinet.database import audited_attempt, unit_of_work
        from ecabinet.extensions import db
        from ecabinet.identity import services as identity

        app = create_app()
        with app.app_context():
            upgrade()
            with unit_of_work():
                identity.create_user(email="bench@example.gov.vn", name="Người ký thử",
                                     roles=["signer"], password="bench-password-1")  # noqa: S106
        result = app.test_cli_runner().invoke(args=["pki", "init", "--url-prefix",
                                                    f"http://127.0.0.1:{port}", "--pin", PIN])
        assert result.exit_code == 0, result.output
        server = start_server(instance, port)
        pdf = twenty_pages()
        print(f"document: 20 pages, {len(pdf)} bytes; level {args.level}; N={args.n}",
              file=sys.stderr)
        run_bench(app, pdf, args.n, args.level, audited_attempt, db)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(instance, ignore_errors=True)


def run_bench(app, pdf: bytes, n: int, level: str, audited_attempt, db) -> None:
    from asn1crypto import x509
    from pyhanko.config.pkcs11 import PKCS11SignatureConfig, TokenCriteria
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.pkcs11 import PKCS11SigningContext
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko_certvalidator import ValidationContext
    from sqlalchemy import select

    from ecabinet.identity.models import User
    from ecabinet.signing import keys, pades, pki

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "bench@example.gov.vn"))
        key = keys.personal_key(user)
        token_label, key_label = key.token_label, key.key_label
        chain = [x509.Certificate.load(c) for c in pki.chain(pki.paths(app.config))]
        root = chain[-1]
        db.session.remove()
    tsa = HTTPTimeStamper(app.config["TSA_URL"])
    module = app.config["PKCS11_MODULE"]

    def service_once() -> float:
        started = time.perf_counter()
        with app.app_context():
            signer = db.session.scalar(select(User).where(User.email == "bench@example.gov.vn"))
            with audited_attempt():
                out = pades.sign_pdf(pdf, key=keys.personal_key(signer), pin=PIN,
                                     field_name="ChuKy", level=level)
            db.session.remove()
        elapsed = time.perf_counter() - started
        assert len(out) > len(pdf)
        return elapsed

    def bare_once() -> float:
        started = time.perf_counter()
        config = PKCS11SignatureConfig(module_path=module,
                                       token_criteria=TokenCriteria(label=token_label),
                                       cert_label=key_label, key_label=key_label, user_pin=PIN,
                                       other_certs=chain)
        lt = level in ("B-LT", "B-LTA")
        context = ValidationContext(trust_roots=[root], other_certs=chain[:1],
                                    allow_fetching=True) if lt else None

        async def sign():
            async with PKCS11SigningContext(config) as signer:
                meta = signers.PdfSignatureMetadata(
                    field_name="ChuKy", md_algorithm="sha256",
                    subfilter=fields.SigSeedSubFilter.PADES, validation_context=context,
                    embed_validation_info=lt, use_pades_lta=level == "B-LTA")
                pdf_signer = signers.PdfSigner(meta, signer,
                                               timestamper=tsa if level != "B-B" else None)
                return await pdf_signer.async_sign_pdf(
                    IncrementalPdfFileWriter(io.BytesIO(pdf)), output=io.BytesIO())

        out = asyncio.run(sign())
        elapsed = time.perf_counter() - started
        assert len(out.getvalue()) > len(pdf)
        return elapsed

    for _ in range(2):
        service_once()
        bare_once()
    service, bare = [], []
    for _ in range(n):
        service.append(service_once())
        bare.append(bare_once())
    service_median = statistics.median(service)
    bare_median = statistics.median(bare)
    ratio = service_median / bare_median
    print(f"level {level}, N={n}, 20-page PDF, RSA-2048 in SoftHSM2, TSA on loopback")
    print(f"  sign_pdf (service): median {service_median * 1000:7.1f} ms   "
          f"min {min(service) * 1000:7.1f}   max {max(service) * 1000:7.1f}")
    print(f"  bare pyHanko:       median {bare_median * 1000:7.1f} ms   "
          f"min {min(bare) * 1000:7.1f}   max {max(bare) * 1000:7.1f}")
    print(f"  ratio service/bare: {ratio:.2f} (target <= 1.3)")
    print(f"  signatures per second, one at a time: service {1 / service_median:.1f}, "
          f"bare {1 / bare_median:.1f}")


if __name__ == "__main__":
    main()

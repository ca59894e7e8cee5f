"""The converter process: one LibreOffice kept running, converting documents on request.

Run by LibreOffice's own Python (Debian's ``/usr/bin/python3`` with ``python3-uno``), not by the
application's virtualenv: this file imports nothing from ``ecabinet`` and only the standard
library and ``uno``. :mod:`ecabinet.docs.converter` starts it in a process group of its own and
talks to it through stdin/stdout, one JSON object a line:

- it answers ``{"ready": true, "mode": "uno"}`` once LibreOffice listens;
- each request ``{"in": "/path/a.docx", "out": "/path/a.pdf"}`` gets ``{"ok": true}`` or
  ``{"ok": false, "error": "..."}``; when LibreOffice died (idle, or killed by the document) the
  bridge exits without answering, and the parent starts a new one;
- end of input stops LibreOffice and the bridge.

LibreOffice runs headless with a profile of its own (``-env:UserInstallation``): two processes
sharing a profile fail silently. Documents are opened hidden, read-only, with macros never run and
links never updated. Without ``uno`` the bridge still works, slowly: one
``soffice --convert-to pdf`` per document on the same, already initialised profile.

The parent enforces the time limit: it kills this process group when an answer is late.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

START_TIMEOUT = 90.0


def _answer(**payload) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


def _soffice_base(soffice: str, profile: Path) -> list[str]:
    return [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
            "--nologo", "--norestore", "--nodefault", "--nofirststartwizard", "--nolockcheck"]


class UnoOffice:
    """A listening soffice and a UNO connection to it."""

    mode = "uno"

    def __init__(self, soffice: str, profile: Path, pipe: str):
        import uno  # noqa: F401 - fails here when python3-uno is missing

        self.pipe = pipe
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            [*_soffice_base(soffice, profile),
             f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.desktop = self._connect()

    def _connect(self):
        import uno
        from com.sun.star.connection import NoConnectException

        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        url = f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                context = resolver.resolve(url)
                break
            except NoConnectException:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"LibreOffice exited with status {self.process.returncode} while "
                        "starting") from None
                if time.monotonic() > deadline:
                    raise RuntimeError("LibreOffice did not start in time") from None
                time.sleep(0.1)
        return context.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", context)

    @staticmethod
    def _props(**values):
        from com.sun.star.beans import PropertyValue

        props = []
        for name, value in values.items():
            prop = PropertyValue()
            prop.Name, prop.Value = name, value
            props.append(prop)
        return tuple(props)

    def convert(self, source: Path, target: Path) -> None:
        import uno

        document = self.desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(str(source)), "_blank", 0, self._props(
                Hidden=True, ReadOnly=True,
                MacroExecutionMode=0,  # com.sun.star.document.MacroExecMode.NEVER_EXECUTE
                UpdateDocMode=0,  # com.sun.star.document.UpdateDocMode.NO_UPDATE: no links
                FilterName="MS Word 2007 XML"))
        if document is None:
            raise ValueError("LibreOffice could not open the document")
        try:
            document.storeToURL(uno.systemPathToFileUrl(str(target)),
                                self._props(FilterName="writer_pdf_Export"))
        finally:
            document.close(True)

    def alive(self) -> bool:
        """Whether LibreOffice still answers (after a failed conversion: a document that
        crashed it leaves a dead connection, and every later call would fail)."""
        if self.process.poll() is not None:
            return False
        try:
            self.desktop.getCurrentComponent()
        except Exception:
            return False
        return True

    def stop(self) -> None:
        try:
            self.desktop.terminate()
        except Exception:  # noqa: S110 - it may be gone already; we wait for it below
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class CommandLineOffice:
    """Fallback without ``uno``: one ``soffice --convert-to`` per document, same profile."""

    mode = "cli"

    def __init__(self, soffice: str, profile: Path, pipe: str):
        self.soffice, self.profile = soffice, profile

    def convert(self, source: Path, target: Path) -> None:
        outdir = target.parent / (target.stem + ".out")
        outdir.mkdir(exist_ok=True)
        run = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [*_soffice_base(self.soffice, self.profile), "--convert-to", "pdf:writer_pdf_Export",
             "--outdir", str(outdir), str(source)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            check=False)
        produced = outdir / (source.stem + ".pdf")
        if run.returncode != 0 or not produced.exists():
            raise ValueError(f"soffice exited with status {run.returncode}: "
                             f"{run.stderr.decode(errors='replace')[-300:]}")
        os.replace(produced, target)
        outdir.rmdir()

    def alive(self) -> bool:
        return True

    def stop(self) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--soffice", default="soffice")
    parser.add_argument("--profile", required=True, type=Path)
    parser.add_argument("--pipe", required=True)
    args = parser.parse_args()
    try:
        office_class = UnoOffice
        import uno  # noqa: F401
    except ImportError:
        office_class = CommandLineOffice
    try:
        office = office_class(args.soffice, args.profile, args.pipe)
    except Exception as exc:
        _answer(ready=False, error=str(exc))
        return 1
    _answer(ready=True, mode=office.mode)
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            if not office.alive():
                return 1  # LibreOffice died while idle: the parent starts a new bridge
            try:
                office.convert(Path(request["in"]), Path(request["out"]))
            except Exception as exc:  # a UNO exception, or the document refused
                if not office.alive():
                    return 1  # the document crashed LibreOffice: no answer, the parent sees it
                message = getattr(exc, "Message", None) or str(exc) or type(exc).__name__
                _answer(ok=False, error=message.strip()[:500])
            else:
                _answer(ok=True)
    finally:
        office.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

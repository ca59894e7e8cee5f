""".docx → PDF through a LibreOffice kept running: one per worker process, one document at a time.

A cold ``soffice --convert-to pdf`` costs 1.5–2 s a document, mostly starting LibreOffice; a
listening LibreOffice converts the same document in about 0.1 s (``bench/convert.py``). So each
worker process keeps one :class:`Converter`: a bridge process (:mod:`ecabinet.docs.uno_bridge`,
run by LibreOffice's Python) that holds a headless LibreOffice with a profile of its own — two
LibreOffice processes sharing a profile fail without a word.

The bridge and LibreOffice run in a process group of their own. An answer later than the timeout
kills the whole group (a hung LibreOffice ignores everything else) and the next conversion starts
a fresh one on the same, already initialised profile. LibreOffice is also restarted every
:data:`MAX_JOBS` documents, so that whatever it leaks does not pile up.

No Flask here: :func:`for_config` picks the shared converter of an app's settings.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import logging
import os
import selectors
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

#: LibreOffice's own Python: Debian's, where ``python3-uno`` installs ``uno``.
UNO_PYTHON = "/usr/bin/python3"
BRIDGE = Path(__file__).with_name("uno_bridge.py")
#: Starting LibreOffice on a new profile takes a few seconds; on a loaded machine more.
START_TIMEOUT = 120.0
#: Documents converted before LibreOffice is restarted.
MAX_JOBS = 200
_PIPE_IDS = itertools.count(1)


class ConversionError(Exception):
    """A document that could not be converted. ``code`` is stable, ``detail`` is for logs."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


def default_command() -> list[str]:
    """LibreOffice's Python running the bridge; any Python will do for the slow fallback."""
    python = UNO_PYTHON if os.path.exists(UNO_PYTHON) else sys.executable
    return [python, "-I", str(BRIDGE), "--soffice", shutil.which("soffice") or "soffice"]


def _group_alive(pgid: int) -> bool:
    """Whether a process of the group still runs. Killed processes whose parent died linger as
    zombies until init reaps them; they hold nothing, so they do not count."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


class Converter:
    """A converter process, started on first use, restarted after a hang, a crash or
    :data:`MAX_JOBS` documents. Thread-safe; one conversion at a time."""

    def __init__(self, command: list[str] | None = None, *, start_timeout: float = START_TIMEOUT,
                 max_jobs: int = MAX_JOBS):
        self.command = list(command or default_command())
        self.start_timeout, self.max_jobs = start_timeout, max_jobs
        self.workdir = Path(tempfile.mkdtemp(prefix="ecabinet-convert-"))
        #: The LibreOffice profile, initialised by the first start and reused by later ones.
        self.profile = self.workdir / "profile"
        self.mode: str | None = None
        self.starts = 0
        self._process: subprocess.Popen | None = None
        self._buffer = b""
        self._jobs = 0
        self._lock = threading.Lock()
        self._closed = False

    # --- the process -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _start(self) -> None:
        self._stop()
        # A LibreOffice killed mid-way leaves its lock; this profile is ours alone.
        (self.profile / ".lock").unlink(missing_ok=True)
        pipe = f"ecabinet-{os.getpid()}-{next(_PIPE_IDS)}"
        self._process = subprocess.Popen(  # noqa: S603 - our command, no shell
            [*self.command, "--profile", str(self.profile), "--pipe", pipe],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True, cwd=self.workdir)
        self._buffer, self._jobs = b"", 0
        self.starts += 1
        try:
            hello = self._read(self.start_timeout)
        except ConversionError as exc:
            self._stop(polite=False)
            raise ConversionError("converter_unavailable", exc.detail) from None
        if not hello.get("ready"):
            self._stop(polite=False)
            raise ConversionError("converter_unavailable", str(hello.get("error", hello)))
        self.mode = hello.get("mode")
        log.info("converter started (pid %s, mode %s)", self._process.pid, self.mode)

    def _stop(self, *, polite: bool = True) -> None:
        """End the bridge and LibreOffice: politely (end of input) unless it hung, then the
        whole group in any case."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            process.stdin.close()
        if polite:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
        self._kill_group(process)
        process.stdout.close()

    @staticmethod
    def _kill_group(process: subprocess.Popen) -> None:
        """SIGKILL to the group (the bridge, soffice, soffice.bin), and wait until it is gone:
        a new LibreOffice on the same profile must not meet the old one."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _group_alive(process.pid):
            if time.monotonic() > deadline:
                log.warning("converter process group %s did not die", process.pid)
                return
            time.sleep(0.02)

    def _read(self, timeout: float) -> dict:
        """One JSON line from the bridge within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        fd = self._process.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise ConversionError("timeout", f"no answer within {timeout:g} s")
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise ConversionError("converter_crashed", "the converter process exited")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            return json.loads(line)
        except ValueError:
            raise ConversionError("converter_crashed", "unreadable answer") from None

    # --- converting ------------------------------------------------------------------------------

    def convert(self, data: bytes, *, timeout: float, suffix: str = ".docx") -> bytes:
        """The PDF rendering of ``data``. Raises :class:`ConversionError`.

        A hung LibreOffice is killed and the document fails (``timeout``); the next call starts
        a new one. A LibreOffice that died is restarted and given the document once more: if
        it dies again, the document is what kills it (``converter_crashed``)."""
        with self._lock:
            if self._closed:
                raise ConversionError("converter_unavailable", "closed")
            try:
                return self._convert_once(data, timeout, suffix)
            except ConversionError as exc:
                if exc.code != "converter_crashed":
                    raise
                log.warning("converter crashed (%s); trying once more", exc.detail)
                return self._convert_once(data, timeout, suffix)

    def _convert_once(self, data: bytes, timeout: float, suffix: str) -> bytes:
        if not self.running or self._jobs >= self.max_jobs:
            self._start()
        self._jobs += 1
        job = self.workdir / f"job-{self._jobs}"
        source, target = job.with_suffix(suffix), job.with_suffix(".pdf")
        source.write_bytes(data)
        try:
            request = json.dumps({"in": str(source), "out": str(target)}) + "\n"
            try:
                self._process.stdin.write(request.encode())
                self._process.stdin.flush()
                answer = self._read(timeout)
            except ConversionError:
                log.warning("converter %s hung or crashed; killing it", self.pid)
                self._stop(polite=False)
                raise
            except OSError as exc:  # the pipe broke: the bridge is gone
                self._stop(polite=False)
                raise ConversionError("converter_crashed", str(exc)) from None
            if not answer.get("ok"):
                raise ConversionError("unreadable", str(answer.get("error", "")))
            try:
                pdf = target.read_bytes()
            except FileNotFoundError:
                raise ConversionError("no_output", "no PDF was written") from None
            if not pdf.startswith(b"%PDF-"):
                raise ConversionError("no_output", "the output is not a PDF")
            return pdf
        finally:
            source.unlink(missing_ok=True)
            target.unlink(missing_ok=True)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._stop(polite=False)  # its profile goes with it: nothing to save
            shutil.rmtree(self.workdir, ignore_errors=True)


# --- one converter per worker process and settings -----------------------------------------------

_shared: dict[tuple, Converter] = {}
_shared_lock = threading.Lock()


def command_from(value) -> list[str] | None:
    """``CONVERTER_COMMAND``: a list, or a string split like a shell would; None: the default."""
    if not value:
        return None
    return shlex.split(value) if isinstance(value, str) else list(value)


def for_config(config) -> Converter:
    """The converter of this process for an app's ``CONVERTER_COMMAND``: apps with the same
    settings (every test, every app of a worker) share one LibreOffice."""
    command = command_from(config.get("CONVERTER_COMMAND"))
    key = tuple(command or ())
    with _shared_lock:
        converter = _shared.get(key)
        if converter is None or converter._closed:
            converter = _shared[key] = Converter(command)
        return converter


def close_for(config) -> None:
    """Stop the shared converter of these settings, if it runs."""
    command = command_from(config.get("CONVERTER_COMMAND"))
    with _shared_lock:
        converter = _shared.pop(tuple(command or ()), None)
    if converter is not None:
        converter.close()


def close_all() -> None:
    """Stop every converter of this process (at exit, and at the end of a test session)."""
    with _shared_lock:
        converters = list(_shared.values())
        _shared.clear()
    for converter in converters:
        converter.close()


# A forked child (an RQ work horse, gunicorn's workers) must not share its parent's converters.
os.register_at_fork(after_in_child=_shared.clear)
atexit.register(close_all)

"""``ventanilla run`` — the whole embedded desk in one terminal: web server, Celery worker and beat.

The children run in their own process group so that Ctrl-C reaches only this supervisor, which then stops
them in order (graceful SIGTERM, SIGKILL after a grace period or a second Ctrl-C). If either child dies on
its own, the other one is stopped too and the command exits non-zero: a desk without its worker silently
stops sending mail and checking SLAs, which is worse than a desk that is visibly down.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

GRACE_SECONDS = 15
READY_TIMEOUT_SECONDS = 60
# Celery prints this once the worker consumes; the banner waits for it so it is not buried in start-up logs.
WORKER_READY_MARK = " ready."
WORKER_READY_PATIENCE_SECONDS = 30


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, ask the kernel to SIGTERM a child when this supervisor dies (even by SIGKILL)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    pr_set_pdeathsig = 1

    def set_pdeathsig() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)

    return set_pdeathsig


def demo_logins() -> list[tuple[str, str, str]] | None:
    """The demo accounts published by the demo data module, or None when it is not there."""
    try:
        from ventanilla.core.demo import DEMO_LOGINS  # type: ignore[import-not-found,unused-ignore]
    except (ImportError, AttributeError):
        return None
    return [(str(role), str(email), str(password)) for role, email, password in DEMO_LOGINS]


class Command(BaseCommand):
    help = "Run the web server (uvicorn) and a Celery worker with embedded beat until Ctrl-C."
    _output_lock = threading.Lock()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host",
            default=os.environ.get("HOST") or "127.0.0.1",
            help="Address to listen on (default: $HOST or 127.0.0.1).",
        )
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT") or 8000),
            help="Port to listen on (default: $PORT or 8000).",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="Start only the web server (a worker runs elsewhere)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host: str = options["host"]
        port: int = options["port"]
        self._check_port_free(host, port)

        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ventanilla.settings", "PYTHONUNBUFFERED": "1"}
        commands: dict[str, list[str]] = {
            _("web server"): [
                sys.executable,
                "-m",
                "uvicorn",
                "ventanilla.asgi:application",
                "--host",
                host,
                "--port",
                str(port),
                "--lifespan",
                "off",
            ],
        }
        if not options["no_worker"]:
            commands[_("worker")] = [
                sys.executable,
                "-m",
                "celery",
                "--quiet",
                "-A",
                "ventanilla",
                "worker",
                "-B",
                "--pool=solo",
                "--loglevel=INFO",
            ]

        stop_requests = 0

        def request_stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stop_requests
            stop_requests += 1

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGHUP, request_stop)

        children: dict[str, subprocess.Popen[bytes]] = {}
        pumps: list[threading.Thread] = []
        worker_ready = threading.Event()
        if options["no_worker"]:
            worker_ready.set()
        preexec = _die_with_parent()
        width = max(len(name) for name in commands)
        for name, command in commands.items():
            # process_group=0: a terminal's Ctrl-C goes to this process only; we decide how children stop.
            child = subprocess.Popen(  # noqa: S603
                command,
                env=env,
                process_group=0,
                preexec_fn=preexec,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            children[name] = child
            ready = worker_ready if name == _("worker") else None
            pump = threading.Thread(target=self._pump, args=(child, name.ljust(width), ready), daemon=True)
            pump.start()
            pumps.append(pump)

        announced = False
        started = time.monotonic()
        failed: tuple[str, int] | None = None
        while not stop_requests:
            for name, child in children.items():
                code = child.poll()
                if code is not None:
                    failed = (name, code)
                    break
            if failed:
                break
            if not announced:
                waited = time.monotonic() - started
                if self._listening(host, port):
                    if worker_ready.is_set() or waited > WORKER_READY_PATIENCE_SECONDS:
                        self._announce(host, port, worker=not options["no_worker"])
                        announced = True
                elif waited > READY_TIMEOUT_SECONDS:
                    self.stderr.write(
                        _("The web server did not start listening within %(s)d seconds.")
                        % {"s": READY_TIMEOUT_SECONDS}
                    )
                    failed = (_("web server"), -1)
                    break
            time.sleep(0.2)

        if failed:
            name, code = failed
            self.stderr.write(
                self.style.ERROR(
                    _("The %(name)s stopped unexpectedly (exit code %(code)s); stopping everything.")
                    % {"name": name, "code": code}
                )
            )
        else:
            self.stderr.write(_("Stopping…"))
        self._stop(children, lambda: stop_requests > 1)
        for pump in pumps:
            pump.join(timeout=2)
        if failed:
            raise CommandError(_("Ventanilla stopped because a process failed."), returncode=1)
        self.stderr.write(_("Stopped."))

    def _pump(self, child: subprocess.Popen[bytes], prefix: str, ready: threading.Event | None) -> None:
        """Copy a child's output line by line with a prefix, so two logs stay readable in one terminal."""
        assert child.stdout is not None
        for raw in iter(child.stdout.readline, b""):
            line = raw.decode(errors="replace").rstrip()
            if ready is not None and not ready.is_set() and line.endswith(WORKER_READY_MARK):
                ready.set()
            try:
                with self._output_lock:
                    self.stdout.write(f"{prefix} | {line}")
                    self.stdout.flush()
            except (BrokenPipeError, ValueError):
                # Our own output is gone (e.g. the pipe reader died): keep draining so the child never
                # blocks on a full pipe; the supervisor still stops everything properly.
                continue

    def _check_port_free(self, host: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host.strip("[]"), port))
            except OSError as exc:
                raise CommandError(
                    _(
                        "Cannot listen on %(host)s:%(port)d (%(error)s). Is Ventanilla already running? "
                        "Choose another port with PORT=8001 make run or ventanilla run --port 8001."
                    )
                    % {"host": host, "port": port, "error": exc.strerror},
                    returncode=1,
                ) from exc

    @staticmethod
    def _listening(host: str, port: int) -> bool:
        target = "127.0.0.1" if host in ("0.0.0.0", "") else host.strip("[]")  # noqa: S104
        if host == "::":
            target = "::1"
        try:
            with socket.create_connection((target, port), timeout=0.5):
                return True
        except OSError:
            return False

    def _announce(self, host: str, port: int, *, worker: bool) -> None:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
        if ":" in shown and not shown.startswith("["):
            shown = f"[{shown}]"
        url = f"http://{shown}:{port}/"
        lines = ["", "=" * 72, _("Ventanilla is running at %(url)s") % {"url": url}]
        lines.append(_("API documentation: %(url)sapi/v1/docs/") % {"url": url})
        if not worker:
            lines.append(_("No worker started here (--no-worker)."))
        logins = demo_logins()
        if logins:
            lines.append(_("Demo logins (role, email, password):"))
            role_width = max(len(role) for role, _email, _password in logins)
            email_width = max(len(email) for _role, email, _password in logins)
            lines += [
                f"  {role:<{role_width}}  {email:<{email_width}}  {password}"
                for role, email, password in logins
            ]
        else:
            lines.append(
                _(
                    "Log in with an account you created (ventanilla createsuperuser) or load the demo "
                    "data with: ventanilla demo"
                )
            )
        lines += [_("Press Ctrl-C to stop."), "=" * 72, ""]
        with self._output_lock:
            self.stdout.write("\n".join(lines))
            self.stdout.flush()

    def _stop(self, children: dict[str, subprocess.Popen[bytes]], hurry: Callable[[], bool]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        while any(child.poll() is None for child in children.values()):
            if hurry() or time.monotonic() > deadline:
                for name, child in children.items():
                    if child.poll() is None:
                        self.stderr.write(_("Killing the %(name)s.") % {"name": name})
                        child.kill()
                for child in children.values():
                    child.wait()
                break
            time.sleep(0.1)

"""Real servers for the mail tests: Dovecot (IMAP) started in a temporary directory, aiosmtpd sinks."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


@dataclass
class Dovecot:
    port: int
    user: str
    password: str
    root: Path


def require_dovecot() -> str:
    if DOVECOT is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Dovecot is required in CI (apt-get install -y dovecot-imapd).")
        pytest.skip("Dovecot is not installed (apt-get install -y dovecot-imapd); skipping the IMAP tests.")
    return DOVECOT


@contextmanager
def dovecot_server() -> Iterator[Dovecot]:
    binary = require_dovecot()
    root = Path(tempfile.mkdtemp(prefix="ventanilla-dovecot-"))
    root.chmod(0o755)  # Dovecot's unprivileged processes must reach the mail directory
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    port = free_port()
    if os.geteuid() == 0:
        # As root, Dovecot refuses to run logins or mail as root: use the users its package creates.
        mail_user = pwd.getpwnam("dovecot")
        internal, login = "dovecot", "dovenull"
        os.chown(root / "mail", mail_user.pw_uid, mail_user.pw_gid)
        uid, gid = mail_user.pw_uid, mail_user.pw_gid
    else:
        me = pwd.getpwuid(os.getuid())
        internal = login = me.pw_name
        uid, gid = me.pw_uid, me.pw_gid
    (root / "passwd").write_text("desk:{PLAIN}secret\n")
    (root / "dovecot.conf").write_text(f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {uid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
""")
    process = subprocess.Popen(
        [binary, "-F", "-c", str(root / "dovecot.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_port(port)
        yield Dovecot(port=port, user="desk", password="secret", root=root)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Sink:
    """An SMTP server that keeps what it receives (the outbound tests' mail server)."""

    port: int
    messages: list[bytes] = field(default_factory=list)
    controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.original_content or envelope.content)
        return "250 2.0.0 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

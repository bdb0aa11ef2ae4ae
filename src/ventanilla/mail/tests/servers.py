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
    tls_port: int = 0  # implicit TLS (IMAPS), when started with tls=True
    ca_file: Path | None = None  # the test CA that signed the server's certificate


@dataclass
class TlsFiles:
    ca: Path
    cert: Path
    key: Path


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def make_ca(directory: Path, name: str) -> tuple[Path, Path]:
    """A throwaway certificate authority: (certificate, key)."""
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    _openssl(
        "req", "-x509", "-new", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", f"/CN=Ventanilla test CA {name}", "-keyout", str(key), "-out", str(cert),
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-addext", "subjectKeyIdentifier=hash",
    )  # fmt: skip
    return cert, key


def make_tls_files(directory: Path) -> TlsFiles:
    """A CA and a server certificate it signed for 127.0.0.1 / localhost, made with the openssl tool."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make the test certificates")
    ca, ca_key = make_ca(directory, "ca")
    key, csr, cert = directory / "server.key", directory / "server.csr", directory / "server.pem"
    ext = directory / "server.ext"
    ext.write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid\n"
    )
    _openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", str(key), "-out", str(csr))  # fmt: skip
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
             "-days", "2", "-extfile", str(ext), "-out", str(cert))  # fmt: skip
    key.chmod(0o600)
    return TlsFiles(ca=ca, cert=cert, key=key)


def require_dovecot() -> str:
    if DOVECOT is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Dovecot is required in CI (apt-get install -y dovecot-imapd).")
        pytest.skip("Dovecot is not installed (apt-get install -y dovecot-imapd); skipping the IMAP tests.")
    return DOVECOT


@contextmanager
def dovecot_server(*, tls: bool = False) -> Iterator[Dovecot]:
    """Dovecot on a free loopback port (plain IMAP); with ``tls`` also IMAPS on a second port, with a
    certificate signed by a CA made for this server (``Dovecot.ca_file``)."""
    binary = require_dovecot()
    root = Path(tempfile.mkdtemp(prefix="ventanilla-dovecot-"))
    root.chmod(0o755)  # Dovecot's unprivileged processes must reach the mail directory
    for sub in ("run", "state", "mail", "tls"):
        (root / sub).mkdir()
    port = free_port()
    tls_port = free_port() if tls else 0
    files = make_tls_files(root / "tls") if tls else None
    ssl_settings = (
        f"ssl = yes\nssl_cert = <{files.cert}\nssl_key = <{files.key}\nssl_min_protocol = TLSv1.2\n"
        if files
        else "ssl = no\n"
    )
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
{ssl_settings}disable_plaintext_auth = no
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
    address = 127.0.0.1
    port = {tls_port}
    {"ssl = yes" if tls else ""}
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
        if tls_port:
            wait_port(tls_port)
        yield Dovecot(
            port=port,
            user="desk",
            password="secret",
            root=root,
            tls_port=tls_port,
            ca_file=files.ca if files else None,
        )
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
    recipients: list[list[str]] = field(default_factory=list)  # the envelope's RCPT TO, per message
    controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.original_content or envelope.content)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 2.0.0 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@contextmanager
def smtp_sink(settings: Any) -> Iterator[Sink]:
    """An SMTP sink on a free port, made the ``default`` mailer for the duration."""
    sink = Sink(port=free_port())
    sink.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": sink.port, "timeout": 5},
        }
    }
    try:
        yield sink
    finally:
        sink.stop()

"""Real servers for the backup tests: S3 (moto's server mode) and SFTP (asyncssh).

Both listen on loopback and speak their real protocols; the code under test
talks to them exactly as it would to a provider.
"""

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import asyncssh
import boto3
import pytest
from django.db import connection

from panier.backups.database import Database, drop_scratch, scratch_name

_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_OFFSET = int(_WORKER[2:] or 0) % 2 if _WORKER.startswith("gw") else 0
S3_PORT = 9161 + _OFFSET
SFTP_PORT = 9163 + _OFFSET
# Nothing listens there: a destination that is down.
DOWN_PORT = 9167 + _OFFSET


def _wait_for_port(port: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


@pytest.fixture(scope="session")
def s3_server():
    """An S3-compatible HTTP server on loopback; returns its endpoint URL."""
    saved = {
        k: os.environ.get(k)
        for k in (
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_CA_BUNDLE",
            "AWS_DEFAULT_REGION",
        )
    }
    os.environ.update(
        AWS_ACCESS_KEY_ID="panier-test",
        AWS_SECRET_ACCESS_KEY="panier-test-secret",
        AWS_DEFAULT_REGION="us-east-1",
    )
    # A CA bundle is meaningless for plain HTTP and some clients choke on it.
    os.environ.pop("AWS_CA_BUNDLE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(S3_PORT)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(S3_PORT)
        yield f"http://127.0.0.1:{S3_PORT}"
    finally:
        process.terminate()
        process.wait(10)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def s3_bucket(s3_server, request):
    """A fresh bucket; returns the destination URL of a prefix in it."""
    name = "panier-" + request.node.name.lower().replace("_", "-")[:40].strip("-")
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    yield f"s3://{name}/shop?endpoint={s3_server}"
    for item in client.list_objects_v2(Bucket=name).get("Contents", []):
        client.delete_object(Bucket=name, Key=item["Key"])
    client.delete_bucket(Bucket=name)


class _SftpServer:
    def __init__(self, root: Path, keys: Path):
        self.root = root
        self.keys = keys
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> None:
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        client_key = asyncssh.generate_private_key("ssh-ed25519")
        self.client_key_path = self.keys / "id_ed25519"
        self.client_key_path.write_bytes(client_key.export_private_key("openssh"))
        self.client_key_path.chmod(0o600)
        self.known_hosts = self.keys / "known_hosts"
        self.known_hosts.write_text(
            f"[127.0.0.1]:{SFTP_PORT} "
            + host_key.export_public_key().decode().split(" ", 2)[0]
            + " "
            + host_key.export_public_key().decode().split(" ", 2)[1].strip()
            + "\n"
        )
        authorized = asyncssh.import_authorized_keys(client_key.export_public_key().decode())
        self.thread.start()

        async def listen():
            return await asyncssh.listen(
                "127.0.0.1",
                SFTP_PORT,
                server_host_keys=[host_key],
                authorized_client_keys=authorized,
                sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(self.root).encode()),
                allow_scp=False,
            )

        self.server = asyncio.run_coroutine_threadsafe(listen(), self.loop).result(10)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture(scope="session")
def sftp_server(tmp_path_factory):
    """An SFTP server on loopback, keyed: returns (server, root folder)."""
    root = tmp_path_factory.mktemp("sftp-root")
    server = _SftpServer(root, tmp_path_factory.mktemp("sftp-keys"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sftp_url(sftp_server, request):
    """The URL of a fresh folder on the SFTP server."""
    folder = request.node.name[:50]
    return (
        f"sftp://backup@127.0.0.1:{SFTP_PORT}/{folder}"
        f"?key={sftp_server.client_key_path}&known_hosts={sftp_server.known_hosts}"
    )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Users of the shop fixture are made faster: password hashing is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def backup_settings(settings, tmp_path):
    """A backup key and a local folder for every test."""
    settings.PANIER_BACKUP_KEY = "correct horse battery staple for backups"
    settings.PANIER_BACKUP_KEY_FILE = tmp_path / "backup.key"
    settings.PANIER_BACKUP_LOCAL_DIR = tmp_path / "local-backups"
    settings.PANIER_BACKUP_DESTINATIONS = []
    settings.PANIER_BACKUP_DRILL_CHECKS = []
    return settings


@pytest.fixture
def fresh_target(tmp_path):
    """A database to restore into, of the same engine as the test database.

    Returns a factory; every database it made is dropped afterwards.
    """
    made = []
    live = Database.from_settings(connection.settings_dict)

    def make(tag: str = "restored") -> Database:
        if live.vendor == "sqlite":
            db = Database(
                "sqlite",
                str(tmp_path / f"{tag}.sqlite3"),
                settings={
                    "ENGINE": "django.db.backends.sqlite3",
                    "NAME": str(tmp_path / f"{tag}.sqlite3"),
                },
            )
        else:
            db = live.with_name(scratch_name("panier_backups_test", tag))
        made.append(db)
        return db

    yield make
    for db in made:
        drop_scratch(db)

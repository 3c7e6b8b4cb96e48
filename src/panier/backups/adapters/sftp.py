"""An SFTP server (sftp://user@host:port/path).

The server's host key must be known (PANIER_BACKUP_SFTP_KNOWN_HOSTS or
~/.ssh/known_hosts): an unknown host is refused, never trusted on first use.
The client authenticates with PANIER_BACKUP_SFTP_KEY_FILE, the SSH agent or
the default keys of ~/.ssh.
"""

from __future__ import annotations

import posixpath
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import paramiko

from panier.backups.adapters.base import Progress
from panier.backups.errors import DestinationFailed


class SftpDestination:
    def __init__(
        self,
        url: str,
        *,
        host: str,
        port: int,
        username: str | None,
        password: str | None,
        path: str,
        key_file: str | None,
        known_hosts: str | None,
    ):
        self.url = url
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.path = path or "."
        self.key_file = key_file
        self.known_hosts = known_hosts

    def _fail(self, action: str, exc: Exception) -> DestinationFailed:
        return DestinationFailed(f"{self.url}: {action} failed: {exc or type(exc).__name__}")

    @contextmanager
    def _session(self, action: str) -> Iterator[paramiko.SFTPClient]:
        client = paramiko.SSHClient()
        try:
            if self.known_hosts:
                client.load_host_keys(self.known_hosts)
            else:
                client.load_system_host_keys()
            client.set_missing_host_key_policy(paramiko.RejectPolicy())
            client.connect(
                self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                key_filename=self.key_file,
                timeout=10,
                banner_timeout=10,
                auth_timeout=10,
                look_for_keys=self.key_file is None and self.password is None,
                allow_agent=self.key_file is None and self.password is None,
            )
            sftp = client.open_sftp()
            sftp.get_channel().settimeout(60)
            yield sftp
        except DestinationFailed:
            raise
        except (paramiko.SSHException, OSError) as exc:
            raise self._fail(action, exc) from exc
        finally:
            client.close()

    def _mkdirs(self, sftp: paramiko.SFTPClient) -> None:
        current = "/" if self.path.startswith("/") else ""
        for part in [p for p in self.path.split("/") if p]:
            current = posixpath.join(current, part) if current else part
            try:
                sftp.stat(current)
            except FileNotFoundError:
                sftp.mkdir(current)

    def put(self, source: Path, name: str, progress: Progress | None = None) -> None:
        partial = posixpath.join(self.path, f".{name}.partial")
        with self._session("upload") as sftp:
            try:
                self._mkdirs(sftp)
                sftp.put(
                    str(source),
                    partial,
                    callback=(lambda done, _total: progress(done)) if progress else None,
                )
                sftp.posix_rename(partial, posixpath.join(self.path, name))
            except (OSError, paramiko.SSHException) as exc:
                with suppress(OSError, paramiko.SSHException):
                    sftp.remove(partial)
                raise self._fail("upload", exc) from exc

    def get(self, name: str, target: Path, progress: Progress | None = None) -> None:
        with self._session("download") as sftp:
            try:
                sftp.get(
                    posixpath.join(self.path, name),
                    str(target),
                    callback=(lambda done, _total: progress(done)) if progress else None,
                )
            except FileNotFoundError as exc:
                raise DestinationFailed(f"{self.url}: no archive named {name}") from exc
            except (OSError, paramiko.SSHException) as exc:
                raise self._fail("download", exc) from exc

    def names(self) -> list[str]:
        with self._session("listing") as sftp:
            try:
                entries = sftp.listdir_attr(self.path)
            except FileNotFoundError:
                return []
            return sorted(
                e.filename
                for e in entries
                if not e.filename.startswith(".") and stat.S_ISREG(e.st_mode or 0)
            )

    def delete(self, name: str) -> None:
        with self._session("delete") as sftp:
            try:
                sftp.remove(posixpath.join(self.path, name))
            except FileNotFoundError:
                return
            except (OSError, paramiko.SSHException) as exc:
                raise self._fail("delete", exc) from exc

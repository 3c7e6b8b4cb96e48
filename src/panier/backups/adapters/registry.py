"""Build destinations from the URLs of PANIER_BACKUP_DESTINATIONS."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings

from panier.backups.adapters.base import Destination, safe_url
from panier.backups.errors import DestinationInvalid


def destination_from_url(url: str) -> Destination:
    """Return the destination for ``url`` (file://, s3:// or sftp://)."""
    parts = urlsplit(url.strip())
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    shown = safe_url(url.strip())
    if parts.scheme == "file" or (not parts.scheme and url.startswith("/")):
        from panier.backups.adapters.local import DirectoryDestination

        if parts.netloc not in {"", "localhost"}:
            raise DestinationInvalid(f"{shown}: use file:///absolute/path")
        return DirectoryDestination(shown, Path(unquote(parts.path)))
    if parts.scheme == "s3":
        from panier.backups.adapters.s3 import S3Destination

        if len(parts.netloc) < 3:
            raise DestinationInvalid(f"{shown}: the bucket name is missing or too short")
        return S3Destination(
            shown,
            bucket=parts.netloc,
            prefix=unquote(parts.path),
            endpoint=query.get("endpoint") or settings.PANIER_BACKUP_S3_ENDPOINT_URL or None,
            region=query.get("region") or None,
            profile=query.get("profile") or None,
        )
    if parts.scheme == "sftp":
        from panier.backups.adapters.sftp import SftpDestination

        if not parts.hostname:
            raise DestinationInvalid(f"{shown}: the host is missing")
        path = unquote(parts.path)
        # sftp://host/srv/backups is absolute; sftp://host/~/backups is
        # relative to the login directory.
        if path.startswith("/~/"):
            path = path[3:]
        return SftpDestination(
            shown,
            host=parts.hostname,
            port=parts.port or 22,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            path=path,
            key_file=query.get("key") or settings.PANIER_BACKUP_SFTP_KEY_FILE or None,
            known_hosts=query.get("known_hosts") or settings.PANIER_BACKUP_SFTP_KNOWN_HOSTS or None,
        )
    raise DestinationInvalid(f"{shown}: unknown scheme (use file://, s3:// or sftp://)")


def configured_urls() -> list[str]:
    """Return the destination URLs from settings, or the local fallback folder."""
    urls = [u.strip() for u in settings.PANIER_BACKUP_DESTINATIONS if u.strip()]
    if urls:
        return urls
    return [Path(settings.PANIER_BACKUP_LOCAL_DIR).resolve().as_uri()]


def configured_destinations() -> list[Destination]:
    return [destination_from_url(u) for u in configured_urls()]

"""Backups, restores and restore drills.

An archive is one encrypted file (see ``crypto``) holding a gzip'd tar of
``manifest.json``, the database dump and ``media/``. The same file is sent
to every destination, so any one of them is enough to rebuild the shop.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import secrets
import shutil
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from panier.backups import crypto
from panier.backups.adapters.base import Destination
from panier.backups.adapters.registry import configured_destinations, destination_from_url
from panier.backups.checks import DEFAULT_CHECKS, CheckResult, manifest_extras
from panier.backups.database import (
    DIGEST_FORMAT,
    Database,
    connect,
    database_is_empty,
    django_alias,
    drop_scratch,
    load_scratch,
    scratch_name,
    snapshot,
    swap_in,
)
from panier.backups.errors import (
    ArchiveCorrupt,
    ArchiveNotFound,
    BackupError,
    BackupKeyMissing,
    DestinationFailed,
    DrillFailed,
    SchemaTooNew,
    TargetNotEmpty,
)
from panier.backups.models import BackupRun, RunKind
from panier.backups.rules import Retention, archive_name, archive_time, retention_keep
from panier.core import clock

logger = logging.getLogger(__name__)
FORMAT = 1
Report = Callable[[str], None]


def _quiet(_message: str) -> None:
    return None


# Key -------------------------------------------------------------------


def backup_key(*, create: bool = False, report: Report = _quiet) -> str:
    """Return the backup key: PANIER_BACKUP_KEY, else the key file.

    With ``create``, a missing key file is created with a random key (so
    that a fresh shop backs up out of the box) and a warning says to keep a
    copy elsewhere. Raises BackupKeyMissing otherwise.
    """
    if settings.PANIER_BACKUP_KEY:
        return settings.PANIER_BACKUP_KEY
    path = Path(settings.PANIER_BACKUP_KEY_FILE)
    if path.exists():
        key = path.read_text().strip()
        if key:
            return key
    if not create:
        raise BackupKeyMissing()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    report(
        f"WARNING: created a new backup key in {path}. Copy it to a safe place away from this "
        "machine (a password manager, a printed copy): without it no backup can be restored."
    )
    return key


# Backup ----------------------------------------------------------------


@dataclass(slots=True)
class DestinationOutcome:
    url: str
    ok: bool
    error: str = ""
    deleted: list[str] = field(default_factory=list)


@dataclass(slots=True)
class BackupResult:
    archive: str
    size_bytes: int
    manifest: dict[str, Any]
    outcomes: list[DestinationOutcome]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _media_files(media_root: Path) -> list[Path]:
    if not media_root.is_dir():
        return []
    return sorted(p for p in media_root.rglob("*") if p.is_file() and not p.is_symlink())


def _progress(report: Report, label: str, total: int) -> Callable[[int], None]:
    state = {"next": 0}

    def show(done: int) -> None:
        percent = 100 if total == 0 else done * 100 // total
        if percent >= state["next"]:
            report(f"  {label}: {percent}% ({done // 1024} KiB)")
            state["next"] = percent + 25

    return show


def _panier_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("panier")
    except PackageNotFoundError:
        return "unknown"


def backup_create(
    *,
    using: str = "default",
    destinations: list[Destination] | None = None,
    media_root: Path | None = None,
    retention: Retention | None = None,
    now: datetime | None = None,
    report: Report = _quiet,
) -> BackupResult:
    """Snapshot the database and media, encrypt them and send them everywhere.

    Every destination is tried even when one fails; the outcome of each is
    in the result and in the BackupRun journal (the caller turns a failure
    into a non-zero exit). Old archives are pruned by ``retention`` on each
    destination that took the new one. Raises BackupError when the
    snapshot itself fails (nothing is sent then).
    """
    started = now or clock.now()
    destinations = destinations if destinations is not None else configured_destinations()
    media_root = Path(media_root or settings.MEDIA_ROOT)
    retention = retention or Retention(
        settings.PANIER_BACKUP_KEEP_DAILY,
        settings.PANIER_BACKUP_KEEP_WEEKLY,
        settings.PANIER_BACKUP_KEEP_MONTHLY,
    )
    if len(destinations) < 2:
        report(
            "WARNING: only one backup destination is configured. One place is not a backup: "
            "set PANIER_BACKUP_DESTINATIONS to two or more independent places "
            "(see docs/disaster-recovery.md)."
        )
    secret = backup_key(create=True, report=report)
    name = archive_name(started)
    with tempfile.TemporaryDirectory(prefix="panier-backup-") as tmp:
        work = Path(tmp)
        staging = work / "staging"
        staging.mkdir()
        report(f"Snapshot of the database ({connections[using].vendor})…")
        snap = snapshot(using, staging, manifest_extras)
        media = _media_files(media_root)
        report(f"Media: {len(media)} files…")
        files = {snap.dump.name: {"size": snap.dump.stat().st_size, "sha256": _sha256(snap.dump)}}
        for path in media:
            rel = "media/" + path.relative_to(media_root).as_posix()
            files[rel] = {"size": path.stat().st_size, "sha256": _sha256(path)}
        manifest = {
            "format": FORMAT,
            "archive": name,
            "created_at": started.isoformat(),
            "versions": {
                "panier": _panier_version(),
                "django": django.get_version(),
                "python": platform.python_version(),
            },
            "database": {
                "vendor": snap.vendor,
                "server_version": snap.server_version,
                "dump": snap.dump.name,
                "tables": snap.tables,
                "digest_format": DIGEST_FORMAT,
            },
            "migrations": snap.migrations,
            "files": files,
            **snap.extras,
        }
        plain = work / "archive.tar.gz"
        report("Packing and compressing…")
        with tarfile.open(plain, "w:gz", compresslevel=6) as tar:
            body = json.dumps(manifest, indent=1, sort_keys=True).encode()
            (staging / "manifest.json").write_bytes(body)
            tar.add(staging / "manifest.json", arcname="manifest.json")
            tar.add(snap.dump, arcname=snap.dump.name)
            for path in media:
                tar.add(path, arcname="media/" + path.relative_to(media_root).as_posix())
        encrypted = work / name
        report("Encrypting…")
        with plain.open("rb") as src, encrypted.open("wb") as dst:
            crypto.encrypt_stream(src, dst, secret=secret)
        plain.unlink()
        size = encrypted.stat().st_size
        rows = sum(t["rows"] for t in snap.tables.values())
        report(f"Archive {name}: {size // 1024} KiB, {len(snap.tables)} tables, {rows} rows.")
        outcomes = [_send(dest, encrypted, name, size, retention, report) for dest in destinations]
    # A backup given its time (tests, benchmarks) is journalled at that time.
    finished = clock.now() if now is None else started
    seconds = (clock.now() - started).total_seconds() if now is None else 0.0
    result = BackupResult(name, size, manifest, outcomes, seconds)
    BackupRun.objects.create(
        kind=RunKind.BACKUP,
        started_at=started,
        finished_at=finished,
        ok=result.ok,
        archive=name,
        size_bytes=size,
        destinations=[{"url": o.url, "ok": o.ok, "error": o.error} for o in outcomes],
        message="" if result.ok else "; ".join(o.error for o in outcomes if not o.ok),
    )
    return result


def _send(
    dest: Destination, archive: Path, name: str, size: int, retention: Retention, report: Report
) -> DestinationOutcome:
    report(f"Sending to {dest.url}…")
    try:
        dest.put(archive, name, _progress(report, dest.url, size))
    except DestinationFailed as exc:
        report(f"FAILED {exc.message}")
        logger.error("backup.destination_failed %s", exc.message)
        return DestinationOutcome(dest.url, False, exc.message)
    outcome = DestinationOutcome(dest.url, True)
    try:
        names = [n for n in dest.names() if archive_time(n) is not None]
        keep = retention_keep(names, retention)
        for old in sorted(set(names) - keep):
            dest.delete(old)
            outcome.deleted.append(old)
    except DestinationFailed as exc:
        # The new archive is safe; only pruning failed, which costs space.
        report(f"WARNING retention not applied: {exc.message}")
    report(
        f"OK {dest.url}"
        + (f" (removed {len(outcome.deleted)} old archives)" if outcome.deleted else "")
    )
    return outcome


# Fetch and open ----------------------------------------------------------


@dataclass(slots=True)
class OpenedArchive:
    name: str
    source: str
    manifest: dict[str, Any]
    root: Path

    @property
    def dump(self) -> Path:
        return self.root / self.manifest["database"]["dump"]


def _locate(source_url: str | None, archive: str, report: Report) -> tuple[Destination, str]:
    candidates = [destination_from_url(source_url)] if source_url else configured_destinations()
    errors = []
    for dest in candidates:
        try:
            names = [n for n in dest.names() if archive_time(n) is not None]
        except DestinationFailed as exc:
            errors.append(exc.message)
            report(f"Skipping {exc.message}")
            continue
        if archive == "latest" and names:
            return dest, max(names, key=lambda n: archive_time(n))
        if archive in names:
            return dest, archive
        errors.append(f"{dest.url}: no archive {archive!r}")
    raise ArchiveNotFound("No usable backup archive. " + " ".join(errors))


def _others(used: str) -> str:
    others = [d.url for d in configured_destinations() if d.url != used]
    if not others:
        return "No other destination is configured; try an older archive (--archive NAME)."
    return "Try another destination: " + ", ".join(f"--from {u}" for u in others) + "."


def _open(
    source_url: str | None, archive: str, secret: str, work: Path, report: Report
) -> OpenedArchive:
    dest, name = _locate(source_url, archive, report)
    report(f"Fetching {name} from {dest.url}…")
    encrypted = work / name
    try:
        dest.get(name, encrypted)
    except DestinationFailed as exc:
        raise DestinationFailed(f"{exc.message} {_others(dest.url)}") from exc
    report(f"  fetched {encrypted.stat().st_size // 1024} KiB")
    plain = work / "archive.tar.gz"
    report("Decrypting and checking…")
    try:
        with encrypted.open("rb") as src, plain.open("wb") as dst:
            crypto.decrypt_stream(src, dst, secret=secret)
        encrypted.unlink()
        root = work / "archive"
        root.mkdir()
        manifest = _extract(plain, root)
    except ArchiveCorrupt as exc:
        raise ArchiveCorrupt(f"{dest.url}/{name}: {exc.message} {_others(dest.url)}") from exc
    plain.unlink()
    return OpenedArchive(name, dest.url, manifest, root)


def _extract(plain: Path, root: Path) -> dict[str, Any]:
    try:
        with tarfile.open(plain, "r:gz") as tar:
            tar.extractall(root, filter="data")
        manifest = json.loads((root / "manifest.json").read_text())
    except (tarfile.TarError, OSError, EOFError, ValueError, KeyError) as exc:
        raise ArchiveCorrupt(f"The archive content is unreadable ({exc}).") from exc
    if manifest.get("format") != FORMAT:
        raise ArchiveCorrupt("Unknown archive manifest format.")
    found = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {
        "manifest.json"
    }
    if found != set(manifest["files"]):
        raise ArchiveCorrupt("The archive's files do not match its manifest.")
    for rel, meta in manifest["files"].items():
        if _sha256(root / rel) != meta["sha256"]:
            raise ArchiveCorrupt(f"Checksum mismatch for {rel}.")
    return manifest


# Schema versions ------------------------------------------------------------


def schema_compare(manifest: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Return (migrations of the archive this code lacks, migrations the archive lacks)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    archived = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    local_apps = {app for app, _name in known}
    # Only apps this code knows are compared: a migration recorded for an
    # app that was removed is history, not a newer schema.
    unknown = sorted(f"{a}.{n}" for a, n in archived - known if a in local_apps)
    missing = sorted(f"{a}.{n}" for a, n in known - archived)
    return unknown, missing


# Restore ---------------------------------------------------------------


@dataclass(slots=True)
class RestoreResult:
    archive: str
    source: str
    target: str
    migrated: list[str]
    replaced: str | None
    media_files: int
    seconds: float


def backup_restore(
    *,
    target: Database | None = None,
    source_url: str | None = None,
    archive: str = "latest",
    media_root: Path | None = None,
    force: bool = False,
    report: Report = _quiet,
) -> RestoreResult:
    """Restore an archive into ``target`` (by default the configured database).

    The archive is decrypted and checked first, then loaded into a scratch
    database, checked again table by table, and only then swapped in: a
    failure at any step leaves the target as it was. A target that is not
    empty (or a media folder that is not) is refused unless ``force``; it is
    then kept under another name. An archive from an older schema is
    migrated after the swap. Raises ArchiveNotFound, ArchiveCorrupt,
    WrongKey, SchemaTooNew, TargetNotEmpty or BackupError.
    """
    started = clock.now()
    secret = backup_key()
    target = target or Database.from_settings(connections["default"].settings_dict)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    if not force and (not database_is_empty(target) or _media_files(media_root)):
        raise TargetNotEmpty()
    with tempfile.TemporaryDirectory(prefix="panier-restore-") as tmp:
        opened = _open(source_url, archive, secret, Path(tmp), report)
        unknown, missing = schema_compare(opened.manifest)
        if unknown:
            raise SchemaTooNew(
                f"{opened.name} was made by a newer version of Panier (unknown migrations: "
                f"{', '.join(unknown[:5])}). Upgrade Panier, then restore."
            )
        vendor = opened.manifest["database"]["vendor"]
        scratch = _scratch_for(target)
        report(f"Loading into a scratch database ({scratch.label()})…")
        load_scratch(opened.dump, vendor, scratch)
        try:
            with connect(scratch) as conn:
                from panier.backups.checks import tables_match

                check = tables_match(conn, vendor, opened.manifest)
            if not check.ok:
                raise ArchiveCorrupt(f"The restored data differ from the backup: {check.detail}")
            report(f"Checked: {check.detail}.")
            stamp = clock.now().strftime("%Y%m%dT%H%M%S")
            _close_connections_to(target)
            replaced = swap_in(scratch, target, stamp=stamp)
        except BaseException:
            drop_scratch(scratch)
            raise
        media_count = _swap_media(opened.root / "media", media_root, stamp)
    if missing:
        report(f"The archive predates {len(missing)} migrations: migrating…")
        _migrate(target)
    if replaced:
        report(f"The previous database was kept as {replaced}.")
    return RestoreResult(
        opened.name,
        opened.source,
        target.label(),
        missing,
        replaced,
        media_count,
        (clock.now() - started).total_seconds(),
    )


def _scratch_for(target: Database) -> Database:
    if target.vendor == "sqlite":
        path = Path(target.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        return target.with_name(
            str(path.with_name(f".{path.name}.restoring-{secrets.token_hex(4)}"))
        )
    return target.with_name(scratch_name(target.name, "restoring"))


def _close_connections_to(target: Database) -> None:
    for conn in connections.all(initialized_only=True):
        if conn.settings_dict.get("NAME") == target.name:
            conn.close()


def _swap_media(restored: Path, media_root: Path, stamp: str) -> int:
    count = len(_media_files(restored))
    if media_root.exists() and any(media_root.iterdir()):
        os.replace(media_root, media_root.with_name(f"{media_root.name}.replaced-{stamp}"))
    elif media_root.exists():
        media_root.rmdir()
    media_root.parent.mkdir(parents=True, exist_ok=True)
    if restored.exists():
        shutil.move(str(restored), str(media_root))
    else:
        media_root.mkdir()
    return count


def _migrate(target: Database) -> None:
    default = connections["default"].settings_dict
    if target.name == default["NAME"] and target.host == (default.get("HOST") or ""):
        connections["default"].close()
        call_command("migrate", interactive=False, verbosity=0)
        return
    with django_alias(target) as alias:
        call_command("migrate", database=alias, interactive=False, verbosity=0)


# Drill -------------------------------------------------------------------


@dataclass(slots=True)
class DrillResult:
    archive: str
    source: str
    checks: list[CheckResult]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def _check_functions() -> list[Callable[..., CheckResult]]:
    functions = []
    for dotted in settings.PANIER_BACKUP_DRILL_CHECKS or DEFAULT_CHECKS:
        module, _dot, name = dotted.rpartition(".")
        functions.append(getattr(import_module(module), name))
    return functions


def backup_drill(
    *,
    source_url: str | None = None,
    archive: str = "latest",
    report: Report = _quiet,
) -> DrillResult:
    """Restore an archive into a scratch database, run the drill checks, drop it.

    The outcome is journalled as a BackupRun (the dashboard shows the last
    good drill). Raises DrillFailed when a check fails, and the errors of
    fetching and opening the archive (journalled as failed drills too).
    """
    started = clock.now()
    name, source, results = archive, source_url or "", []
    try:
        secret = backup_key()
        with tempfile.TemporaryDirectory(prefix="panier-drill-") as tmp:
            opened = _open(source_url, archive, secret, Path(tmp), report)
            name, source = opened.name, opened.source
            vendor = opened.manifest["database"]["vendor"]
            live = Database.from_settings(connections["default"].settings_dict)
            if vendor == "sqlite" or live.vendor != vendor:
                if vendor != "sqlite":
                    raise BackupError(
                        "A drill of a PostgreSQL archive needs a PostgreSQL database."
                    )
                scratch = Database("sqlite", str(Path(tmp) / "drill.sqlite3"))
            else:
                scratch = live.with_name(scratch_name(live.name, "drill"))
            report(f"Drill: loading into {scratch.label()}…")
            load_scratch(opened.dump, vendor, scratch)
            try:
                with connect(scratch) as conn:
                    for check in _check_functions():
                        result = check(conn, vendor, opened.manifest)
                        report(
                            f"  {'OK' if result.ok else 'FAILED'} {result.name}: {result.detail}"
                        )
                        results.append(result)
            finally:
                drop_scratch(scratch)
    except BackupError as exc:
        _journal_drill(started, name, source, False, exc.message)
        raise
    outcome = DrillResult(name, source, results, (clock.now() - started).total_seconds())
    message = "; ".join(f"{c.name}: {c.detail}" for c in results)
    _journal_drill(started, name, source, outcome.ok, message)
    if not outcome.ok:
        raise DrillFailed(f"The restore drill of {name} failed: {message}")
    return outcome


def _journal_drill(started: datetime, name: str, source: str, ok: bool, message: str) -> None:
    BackupRun.objects.create(
        kind=RunKind.DRILL,
        started_at=started,
        finished_at=clock.now(),
        ok=ok,
        archive=name,
        destinations=[{"url": source, "ok": ok, "error": "" if ok else message}] if source else [],
        message=message,
    )


def drill_due(*, now: datetime | None = None) -> bool:
    """A drill is due when the last good one is older than PANIER_BACKUP_DRILL_EVERY_DAYS."""
    days = settings.PANIER_BACKUP_DRILL_EVERY_DAYS
    if days <= 0:
        return False
    last = (
        BackupRun.objects.filter(kind=RunKind.DRILL, ok=True)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    return last is None or (now or clock.now()) - last > timedelta(days=days)


def write_progress(stream: Any = sys.stdout) -> Report:
    def report(message: str) -> None:
        stream.write(message + "\n")
        stream.flush()

    return report

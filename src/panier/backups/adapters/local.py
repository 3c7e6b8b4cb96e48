"""A local or mounted directory (file:///srv/backups)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from panier.backups.adapters.base import Progress
from panier.backups.errors import DestinationFailed

_BLOCK = 1024 * 1024


def _copy(source: Path, target: Path, progress: Progress | None) -> None:
    done = 0
    with source.open("rb") as src, target.open("wb") as dst:
        while block := src.read(_BLOCK):
            dst.write(block)
            done += len(block)
            if progress:
                progress(done)
        dst.flush()
        os.fsync(dst.fileno())


class DirectoryDestination:
    def __init__(self, url: str, path: Path):
        self.url = url
        self.path = path

    def _fail(self, action: str, exc: Exception) -> DestinationFailed:
        return DestinationFailed(f"{self.url}: {action} failed: {exc}")

    def put(self, source: Path, name: str, progress: Progress | None = None) -> None:
        partial = self.path / f".{name}.partial"
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            _copy(source, partial, progress)
            os.replace(partial, self.path / name)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise self._fail("upload", exc) from exc

    def get(self, name: str, target: Path, progress: Progress | None = None) -> None:
        try:
            _copy(self.path / name, target, progress)
        except FileNotFoundError as exc:
            raise DestinationFailed(f"{self.url}: no archive named {name}") from exc
        except OSError as exc:
            raise self._fail("download", exc) from exc

    def names(self) -> list[str]:
        try:
            return sorted(p.name for p in self.path.iterdir() if not p.name.startswith("."))
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise self._fail("listing", exc) from exc

    def delete(self, name: str) -> None:
        try:
            (self.path / name).unlink(missing_ok=True)
        except OSError as exc:
            raise self._fail("delete", exc) from exc


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)

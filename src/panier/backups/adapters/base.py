"""What a backup destination does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

# Called with the number of bytes sent or received so far.
Progress = Callable[[int], None]


class Destination(Protocol):
    """A place that keeps archives.

    ``put`` is atomic: a reader never sees a partly written archive, and a
    failed upload leaves nothing behind. Every method raises
    DestinationFailed with a message naming the destination on any error.
    """

    url: str

    def put(self, source: Path, name: str, progress: Progress | None = None) -> None: ...

    def get(self, name: str, target: Path, progress: Progress | None = None) -> None: ...

    def names(self) -> list[str]: ...

    def delete(self, name: str) -> None: ...


def safe_url(url: str) -> str:
    """Return ``url`` without a password, for messages and the journal."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return url
    userinfo, _at, host = rest.partition("@")
    return f"{scheme}://{userinfo.split(':', 1)[0]}@{host}"

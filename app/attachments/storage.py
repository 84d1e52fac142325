"""Where attachments' content is kept: a small interface, so that a deployment may put it on
a shared disk (several app servers mount the same directory) or, later, an object store.

Content is stored under its SHA-256, never under the name a person gave it: the same scan
uploaded twice is stored once, and no uploaded name ever reaches the file system.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app


class Storage(Protocol):
    """Content by its SHA-256 (64 lowercase hex digits)."""

    def put(self, sha256: str, content: bytes) -> None: ...

    def get(self, sha256: str) -> bytes:
        """Raises FileNotFoundError when the content is not (or no longer) there."""
        ...

    def delete(self, sha256: str) -> None: ...


class DirectoryStorage:
    """Files under `root`, as root/ab/cd/abcd…: two levels so that no directory holds
    hundreds of thousands of files. Writes go to a temporary file renamed into place, so a
    reader never sees half a file, and two servers writing the same content agree."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 in hex")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, sha256: str, content: bytes) -> None:
        path = self._path(sha256)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, sha256: str) -> bytes:
        return self._path(sha256).read_bytes()

    def delete(self, sha256: str) -> None:
        self._path(sha256).unlink(missing_ok=True)


def storage(app: Flask | None = None) -> Storage:
    """The storage of `app` (default: the current one): `ATTACHMENTS_DIR`."""
    app = app or current_app
    return DirectoryStorage(app.config["ATTACHMENTS_DIR"])

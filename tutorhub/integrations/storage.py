"""FileStorage: where private files (credential documents, chat attachments) live.

The default keeps files on local disk under TUTORHUB_STORAGE_DIR, which is outside `assets/`
and outside Reflex's upload directory, so nothing here is ever served by a public route;
downloads go through an authorized API endpoint.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol

from tutorhub.settings import get_settings

_KEY_RE = re.compile(r"^[a-z0-9_\-/]{1,200}$")


class FileStorage(Protocol):
    def save(self, key: str, data: bytes) -> None: ...

    def read(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class LocalDiskStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY_RE.match(key) or ".." in key:
            raise ValueError("invalid storage key")
        return self.root / key

    def save(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def get_storage() -> FileStorage:
    return LocalDiskStorage(get_settings().storage_dir)

"""FileStorage: where private files (credential documents, chat attachments) live.

The default keeps files on local disk under TUTORHUB_STORAGE_DIR, which is outside `assets/`
and outside Reflex's upload directory, so nothing here is ever served by a public route;
downloads go through an authorized API endpoint.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

import anyio

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


WRITE_BATCH = 4 * 1024 * 1024  # bytes gathered before one write in a worker thread


class PartTooLarge(Exception):
    """A part's body went over its declared length while streaming in (the rest is never read)."""


class PartIncomplete(Exception):
    """A part's body ended before its declared length."""


class LocalVideoStore:
    """Course videos on local disk, uploaded in parts like S3 multipart uploads.

    Under `{storage_dir}/videos` (private: never served by a public route; the app streams a file only
    to a holder of a short-lived signed URL). Each part streams straight into its own region of one
    data file (`parts/{upload_id}/data`, at offset (n − 1) × part size) chunk by chunk — never whole in
    memory, never past its declared length — and only when it arrived whole is its marker
    (`{n}.md5`, its ETag) written. An interrupted part has no marker: it is simply sent again and
    overwrites its region. Completing moves the data file into place (a rename, no copy).
    """

    backend = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def _parts_dir(self, upload_id: str) -> Path:
        if not _KEY_RE.match(upload_id) or "/" in upload_id:
            raise ValueError("invalid upload id")
        return self.root / "parts" / upload_id

    def path(self, key: str) -> Path:
        if not _KEY_RE.match(key) or ".." in key:
            raise ValueError("invalid storage key")
        return self.root / "objects" / key

    def data_path(self, upload_id: str) -> Path:
        return self._parts_dir(upload_id) / "data"

    def _marker(self, upload_id: str, n: int) -> Path:
        return self._parts_dir(upload_id) / f"{int(n)}.md5"

    def _open_data(self, upload_id: str) -> int:
        self._parts_dir(upload_id).mkdir(parents=True, exist_ok=True)
        return os.open(self.data_path(upload_id), os.O_WRONLY | os.O_CREAT, 0o600)

    async def write_part(self, upload_id: str, n: int, chunks: AsyncIterator[bytes], *, offset: int,
                         limit: int) -> tuple[str, int]:
        """Stream one part into its region; returns (md5 hex, size). A part is exactly `limit` bytes: over
        it PartTooLarge (nothing written past the region), under it PartIncomplete; neither gets a marker. Writes go to a worker thread in 4 MiB
        batches so the event loop never blocks."""
        self._marker(upload_id, n).unlink(missing_ok=True)  # a re-sent part counts only once it is whole
        digest, size, written, pending = hashlib.md5(usedforsecurity=False), 0, 0, bytearray()
        fd = await anyio.to_thread.run_sync(self._open_data, upload_id)
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise PartTooLarge(f"part {n} is larger than {limit} bytes")
                pending += chunk
                if len(pending) >= WRITE_BATCH:  # hash and write in the thread: hashlib releases the GIL
                    written += await anyio.to_thread.run_sync(_hash_and_write, digest, fd, pending, offset + written)
                    pending = bytearray()
            if pending:
                written += await anyio.to_thread.run_sync(_hash_and_write, digest, fd, pending, offset + written)
        finally:
            os.close(fd)
        if size != limit:
            raise PartIncomplete(f"part {n} has {size} of its {limit} bytes")
        self._marker(upload_id, n).write_text(digest.hexdigest())
        return digest.hexdigest(), size

    def save_part(self, upload_id: str, n: int, data: bytes, *, offset: int = 0) -> str:
        """A part given whole (small imports such as the demo's video); returns its md5."""
        fd = self._open_data(upload_id)
        try:
            _pwrite_all(fd, data, offset)
        finally:
            os.close(fd)
        digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
        self._marker(upload_id, n).write_text(digest)
        return digest

    def part_etag(self, upload_id: str, n: int) -> str | None:
        """The md5 of a received part, or None when that part has not arrived whole."""
        marker = self._marker(upload_id, n)
        return marker.read_text().strip() if marker.is_file() else None

    def assemble(self, upload_id: str, key: str, size: int) -> int:
        """Make the upload's data (cut to `size`) the object `key`, durably; returns its size. Parts are removed."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = self.data_path(upload_id)
        with open(data, "r+b") as handle:
            handle.truncate(size)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(data, target)
        self.discard_upload(upload_id)
        return target.stat().st_size

    def head(self, key: str, length: int = 64) -> bytes:
        with open(self.path(key), "rb") as handle:
            return handle.read(length)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def discard_upload(self, upload_id: str) -> None:
        folder = self._parts_dir(upload_id)
        if folder.is_dir():
            for child in folder.iterdir():
                child.unlink(missing_ok=True)
            folder.rmdir()


def _hash_and_write(digest: Any, fd: int, data: bytearray, offset: int) -> int:
    digest.update(data)
    return _pwrite_all(fd, data, offset)


def _pwrite_all(fd: int, data: bytes | bytearray, offset: int) -> int:
    view, done = memoryview(data), 0
    while done < len(view):
        done += os.pwrite(fd, view[done:], offset + done)
    return done


def get_local_video_store() -> LocalVideoStore:
    return LocalVideoStore(get_settings().storage_dir / "videos")

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
from typing import Protocol

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


class PartTooLarge(Exception):
    """A part's body went over its limit while streaming in; what was written of it is deleted."""


class LocalVideoStore:
    """Course videos on local disk, uploaded in parts like S3 multipart uploads.

    Under `{storage_dir}/videos` (private: never served by a public route; the app streams a file only
    to a holder of a short-lived signed URL). A part streams to `parts/{upload_id}/{n}.tmp` chunk by
    chunk — never whole in memory — and is renamed to `{n}` only when complete, so an interrupted
    part leaves nothing that counts and can simply be sent again. Completing joins the parts into the
    object file with a bounded copy buffer.
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

    def open_part(self, upload_id: str, n: int) -> tuple[Path, Path]:
        """(temporary path, final path) of part `n`; the directory exists afterwards."""
        folder = self._parts_dir(upload_id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{int(n)}.tmp", folder / str(int(n))

    async def write_part(self, upload_id: str, n: int, chunks: AsyncIterator[bytes], *, limit: int) -> tuple[str, int]:
        """Stream one part to disk; returns (md5 hex, size). Over `limit` bytes: PartTooLarge, at most
        `limit` + one chunk written, then deleted. A body that stops early (the client dropped) leaves
        no part behind. Writes go to a worker thread in ~1 MiB batches so the event loop never blocks."""
        tmp, final = self.open_part(upload_id, n)
        digest, size, pending = hashlib.md5(usedforsecurity=False), 0, bytearray()
        handle = await anyio.to_thread.run_sync(open, tmp, "wb")
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise PartTooLarge(f"part {n} is larger than {limit} bytes")
                digest.update(chunk)
                pending += chunk
                if len(pending) >= 1024 * 1024:
                    await anyio.to_thread.run_sync(handle.write, bytes(pending))
                    pending.clear()
            if pending:
                await anyio.to_thread.run_sync(handle.write, bytes(pending))
            await anyio.to_thread.run_sync(handle.close)
        except BaseException:
            handle.close()
            tmp.unlink(missing_ok=True)
            raise
        os.replace(tmp, final)
        final.with_suffix(".md5").write_text(digest.hexdigest())
        return digest.hexdigest(), size

    def save_part(self, upload_id: str, n: int, data: bytes) -> str:
        """A part given whole (small imports such as the demo's video); returns its md5."""
        tmp, final = self.open_part(upload_id, n)
        tmp.write_bytes(data)
        os.replace(tmp, final)
        digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
        final.with_suffix(".md5").write_text(digest)
        return digest

    def part_etag(self, upload_id: str, n: int) -> str | None:
        """The md5 of a received part, or None when that part has not arrived whole."""
        path = self.part_path(upload_id, n)
        marker = path.with_suffix(".md5")
        if not path.is_file() or not marker.is_file():
            return None
        return marker.read_text().strip()

    def part_path(self, upload_id: str, n: int) -> Path:
        return self._parts_dir(upload_id) / str(int(n))

    def assemble(self, upload_id: str, parts: list[int], key: str) -> int:
        """Join the parts (in the given order) into the object `key`; returns its size. Parts are removed."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".joining")
        size = 0
        with open(tmp, "wb") as out:
            for n in parts:
                with open(self.part_path(upload_id, n), "rb") as part:
                    while chunk := part.read(1024 * 1024):
                        out.write(chunk)
                        size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
        self.discard_upload(upload_id)
        return size

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


def get_local_video_store() -> LocalVideoStore:
    return LocalVideoStore(get_settings().storage_dir / "videos")

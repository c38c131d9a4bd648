"""A tutor's profile photo: uploaded by the tutor, public by design (shown on the profile, in search
results and on the home page), served from `/api/v1/files/tutor-photos/<profile id>/<size>`.

What is uploaded is never stored as sent. The file's first bytes must say JPEG, PNG or WebP (never its
name or the browser's claim), Pillow must decode it whole, and it is then re-encoded from its pixels:
turned upright by its EXIF orientation, cut to a centred square and saved as WebP in two sizes. The new
files carry no metadata (EXIF with a phone's GPS position, comments, colour profiles), and anything
that is not an image, or an image crafted to hide something else, does not survive the re-encoding.

Each upload bumps `TutorProfile.photo_version`; the URL carries it (`?v=`), so browsers may cache a
photo for a year and a new one shows at once. The old version's files are deleted after the switch.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlmodel import Session

from tutorhub.integrations.storage import get_storage
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.accounts.role_profiles import own_tutor_profile
from tutorhub.services.actor import UserOut
from tutorhub.services.errors import InvalidInput, NotFound
from tutorhub.services.uploads import sniff_image_or_document_type
from tutorhub.services.validation import clean_int, fail

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MIN_SIDE = 128  # smaller pictures look blurred even as a thumbnail
MAX_PIXELS = 40_000_000  # about a 50-megapixel photo; more is a decompression bomb, not a portrait
SIZES = {"large": 400, "small": 96}  # the profile header (retina) and the 48 px avatars of cards
CONTENT_TYPE = "image/webp"
ALLOWED_TEXT = "a JPEG, PNG or WebP image"
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


def photo_url(profile_id: int, version: int, size: str = "large") -> str:
    """The public URL of a photo version; "" when the tutor has none (the UI shows initials)."""
    if version <= 0 or size not in SIZES:
        return ""
    return f"/api/v1/files/tutor-photos/{profile_id}/{size}?v={version}"


def _key(profile_id: int, version: int, size: str) -> str:
    return f"tutor-photos/{profile_id}/v{version}-{size}"


def make_photo_images(data: Any) -> dict[str, bytes]:
    """The stored images ({size: WebP bytes}) made from an upload; InvalidInput on `file` when the upload
    is not an acceptable photo (the message says why, in words a tutor can act on)."""
    if not isinstance(data, bytes | bytearray):
        raise fail("file", "must be a file upload")
    if len(data) == 0:
        raise fail("file", "is empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise fail("file", f"must be at most {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
    sniffed = sniff_image_or_document_type(bytes(data[:16]))
    if sniffed is None or sniffed[0] not in _FORMATS:
        raise fail("file", f"must be {ALLOWED_TEXT}")
    try:
        with Image.open(io.BytesIO(bytes(data)), formats=[_FORMATS[sniffed[0]]]) as img:
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise fail("file", "has too many pixels; use a photo of at most 40 megapixels")
            if min(width, height) < MIN_SIDE:
                raise fail("file", f"is too small; use a photo at least {MIN_SIDE}×{MIN_SIDE} pixels")
            img.load()
            upright = ImageOps.exif_transpose(img)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise fail("file", f"could not be read as an image; use {ALLOWED_TEXT}") from exc
    rgb = _flatten(upright)
    out: dict[str, bytes] = {}
    for size, side in SIZES.items():
        square = ImageOps.fit(rgb, (side, side), method=Image.Resampling.LANCZOS, centering=(0.5, 0.4))
        buffer = io.BytesIO()
        square.save(buffer, format="WEBP", quality=85, method=4)  # fresh pixels: no EXIF, ICC or XMP
        out[size] = buffer.getvalue()
    return out


def _flatten(img: Image.Image) -> Image.Image:
    """RGB pixels only; transparency over white (a cut-out portrait on a light card)."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return img.convert("RGB")


def set_own_photo(session: Session, *, actor: UserOut | None, data: Any) -> str:
    """Replace the acting tutor's photo; returns its new URL. Only ever the actor's own profile."""
    profile, _ = own_tutor_profile(session, actor)
    images = make_photo_images(data)
    old, new = profile.photo_version, abs(profile.photo_version) + 1
    storage = get_storage()
    for size, image in images.items():
        storage.save(_key(profile.id or 0, new, size), image)
    profile.photo_version = new
    session.add(profile)
    session.flush()
    _delete_files(profile.id or 0, old)
    return photo_url(profile.id or 0, new)


def remove_own_photo(session: Session, *, actor: UserOut | None) -> None:
    """Remove the acting tutor's photo (initials are shown again)."""
    profile, _ = own_tutor_profile(session, actor)
    old = profile.photo_version
    if old <= 0:
        return
    # The counter is kept (negative = removed) so a later upload never reuses a cached URL.
    profile.photo_version = -old
    session.add(profile)
    session.flush()
    _delete_files(profile.id or 0, old)


def _delete_files(profile_id: int, version: int) -> None:
    if version <= 0:
        return
    storage = get_storage()
    for size in SIZES:
        storage.delete(_key(profile_id, version, size))


def read_photo(session: Session, *, tutor_id: Any, size: Any) -> tuple[bytes, int]:
    """(WebP bytes, version) of a tutor's current photo; NotFound when there is none. Public: no actor."""
    try:
        profile_id = clean_int(tutor_id, "tutor_id", minimum=1)
    except InvalidInput as exc:
        raise NotFound("Photo not found.") from exc
    if not isinstance(size, str) or size not in SIZES:
        raise NotFound("Photo not found.")
    profile = session.get(TutorProfile, profile_id)
    if profile is None or profile.photo_version <= 0:
        raise NotFound("Photo not found.")
    try:
        return get_storage().read(_key(profile_id, profile.photo_version, size)), profile.photo_version
    except (FileNotFoundError, ValueError) as exc:
        raise NotFound("Photo not found.") from exc

"""The tutor's profile photo: accepted by content (decoded by Pillow), re-encoded square without
metadata, public through its URL, and changeable only by its tutor."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tutorhub.models import TutorProfile
from tutorhub.services.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from tutorhub.services.tutors import photos
from tutorhub.services.tutors import profiles as tutor_profiles
from tutorhub.services.tutors.search import get_public_profile, search_tutors
from tutorhub.services.tutors.top_rated import top_rated_tutors
from tutorhub.settings import get_settings


def picture(fmt: str = "PNG", size: tuple[int, int] = (800, 600), *, exif: bool = False, mode: str = "RGB") -> bytes:
    img = Image.new(mode, size, (200, 40, 40) if mode == "RGB" else (200, 40, 40, 128))
    buffer = io.BytesIO()
    if exif:
        info = Image.Exif()
        info[0x010F] = "PhoneMaker"  # Make
        info[0x0112] = 6  # Orientation: rotate 90° clockwise to view
        img.save(buffer, format=fmt, exif=info.tobytes())
    else:
        img.save(buffer, format=fmt)
    return buffer.getvalue()


def _open(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_real_image_is_accepted_cropped_square_and_reencoded(db, make_user, fmt):
    tutor = make_user("tutor")
    url = photos.set_own_photo(db, actor=tutor, data=picture(fmt))
    profile = tutor_profiles.get_own_profile(db, actor=tutor)
    assert url == profile.photo_url == f"/api/v1/files/tutor-photos/{profile.id}/large?v=1"
    assert profile.photo_thumb_url == f"/api/v1/files/tutor-photos/{profile.id}/small?v=1"
    large, version = photos.read_photo(db, tutor_id=profile.id, size="large")
    small, _ = photos.read_photo(db, tutor_id=str(profile.id), size="small")
    assert version == 1
    assert (_open(large).format, _open(large).size) == ("WEBP", (400, 400))
    assert (_open(small).format, _open(small).size) == ("WEBP", (96, 96))


def test_metadata_is_stripped_and_the_photo_turned_upright(db, make_user):
    tutor = make_user("tutor")
    original = picture("JPEG", (600, 300), exif=True)  # landscape pixels, EXIF says "portrait"
    assert b"PhoneMaker" in original
    photos.set_own_photo(db, actor=tutor, data=original)
    profile_id = tutor_profiles.get_own_profile(db, actor=tutor).id
    large, _ = photos.read_photo(db, tutor_id=profile_id, size="large")
    img = _open(large)
    assert b"PhoneMaker" not in large and not img.getexif() and "icc_profile" not in img.info
    assert img.size == (400, 400)


def test_transparent_png_is_flattened_onto_white(db, make_user):
    tutor = make_user("tutor")
    photos.set_own_photo(db, actor=tutor, data=picture("PNG", (300, 300), mode="RGBA"))
    profile_id = tutor_profiles.get_own_profile(db, actor=tutor).id
    img = _open(photos.read_photo(db, tutor_id=profile_id, size="large")[0])
    assert img.mode == "RGB"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"just some notes, renamed photo.png\n", "must be a JPEG, PNG or WebP image"),
        (b"%PDF-1.4\n%%EOF\n", "must be a JPEG, PNG or WebP image"),
        (b"GIF89a" + b"\x00" * 40, "must be a JPEG, PNG or WebP image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "could not be read as an image"),  # PNG magic, broken body
        (b"", "is empty"),
        ("a string", "must be a file upload"),
    ],
)
def test_what_is_not_a_real_image_is_refused_with_a_clear_message(db, make_user, data, message):
    tutor = make_user("tutor")
    with pytest.raises(InvalidInput) as err:
        photos.set_own_photo(db, actor=tutor, data=data)
    assert message in err.value.fields["file"]
    assert tutor_profiles.get_own_profile(db, actor=tutor).photo_url == ""


def test_too_big_and_too_small_are_refused(db, make_user):
    tutor = make_user("tutor")
    big = picture("PNG") + b"\x00" * photos.MAX_PHOTO_BYTES
    with pytest.raises(InvalidInput) as err:
        photos.set_own_photo(db, actor=tutor, data=big)
    assert err.value.fields["file"] == "must be at most 5 MB"
    with pytest.raises(InvalidInput) as err:
        photos.set_own_photo(db, actor=tutor, data=picture("PNG", (64, 400)))
    assert "too small" in err.value.fields["file"]


def test_decompression_bomb_is_refused_before_decoding(db, make_user):
    tutor = make_user("tutor")
    bomb = picture("PNG", (8000, 6000))  # 48 megapixels of one colour: a few kilobytes of PNG
    assert len(bomb) < photos.MAX_PHOTO_BYTES
    with pytest.raises(InvalidInput) as err:
        photos.set_own_photo(db, actor=tutor, data=bomb)
    assert "too many pixels" in err.value.fields["file"]


def test_a_new_photo_gets_a_new_url_and_the_old_files_go(db, make_user):
    tutor = make_user("tutor")
    photos.set_own_photo(db, actor=tutor, data=picture("PNG"))
    profile_id = tutor_profiles.get_own_profile(db, actor=tutor).id
    first, _ = photos.read_photo(db, tutor_id=profile_id, size="large")
    url = photos.set_own_photo(db, actor=tutor, data=picture("JPEG"))
    assert url.endswith("?v=2")
    assert photos.read_photo(db, tutor_id=profile_id, size="large")[1] == 2
    storage_dir = get_settings().storage_dir
    assert not (storage_dir / f"tutor-photos/{profile_id}/v1-large").exists()
    assert (storage_dir / f"tutor-photos/{profile_id}/v2-large").exists()
    photos.remove_own_photo(db, actor=tutor)
    assert tutor_profiles.get_own_profile(db, actor=tutor).photo_url == ""
    with pytest.raises(NotFound):
        photos.read_photo(db, tutor_id=profile_id, size="large")
    assert not (storage_dir / f"tutor-photos/{profile_id}/v2-large").exists()
    # A later upload never reuses a version a browser may have cached.
    assert photos.set_own_photo(db, actor=tutor, data=picture("PNG")).endswith("?v=3")


def test_only_the_tutor_changes_their_own_photo(db, make_user):
    owner, other, student = make_user("tutor"), make_user("tutor"), make_user("student")
    photos.set_own_photo(db, actor=owner, data=picture("PNG"))
    owner_id = tutor_profiles.get_own_profile(db, actor=owner).id
    before = photos.read_photo(db, tutor_id=owner_id, size="large")
    with pytest.raises(NotAuthenticated):
        photos.set_own_photo(db, actor=None, data=picture("JPEG"))
    with pytest.raises(Forbidden):
        photos.set_own_photo(db, actor=student, data=picture("JPEG"))
    with pytest.raises(Forbidden):
        photos.remove_own_photo(db, actor=student)
    # Another tutor's calls only ever reach their own profile.
    photos.set_own_photo(db, actor=other, data=picture("JPEG"))
    photos.remove_own_photo(db, actor=other)
    assert photos.read_photo(db, tutor_id=owner_id, size="large") == before
    assert db.get(TutorProfile, owner_id).photo_version == 1


@pytest.mark.parametrize(("tutor_id", "size"), [("abc", "large"), (0, "large"), (999, "large"), (1, "huge"),
                                                (1, None)])
def test_reading_a_missing_photo_is_not_found(db, make_user, tutor_id, size):
    make_user("tutor")
    with pytest.raises(NotFound):
        photos.read_photo(db, tutor_id=tutor_id, size=size)


def test_the_photo_appears_on_profile_search_cards_and_top_tutors(db, make_approved_tutor):
    tutor, tutor_id = make_approved_tutor()
    assert get_public_profile(db, tutor_id=tutor_id).photo_url == ""
    photos.set_own_photo(db, actor=tutor, data=picture("PNG"))
    db.commit()
    assert get_public_profile(db, tutor_id=tutor_id).photo_url.endswith(f"/{tutor_id}/large?v=1")
    [card] = [c for c in search_tutors(db).items if c.id == tutor_id]
    assert card.photo_thumb_url == f"/api/v1/files/tutor-photos/{tutor_id}/small?v=1"
    [top] = [c for c in top_rated_tutors(db) if c.id == tutor_id]
    assert top.photo_thumb_url == card.photo_thumb_url

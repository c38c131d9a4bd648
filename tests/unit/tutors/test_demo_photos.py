"""Most demo tutors have a photo, made at seed time (tutorhub/demo/portraits.py) and stored through
the tutors' own upload path: the public route serves WebP squares in both sizes, the portraits differ
from tutor to tutor, and the same seed draws the same portrait."""

from __future__ import annotations

import io

from PIL import Image
from sqlmodel import col, select

from tutorhub.demo.portraits import SIDE, portrait_png
from tutorhub.demo.seed import seed_demo
from tutorhub.models.tutors import TutorProfile, TutorStatus
from tutorhub.services.tutors.photos import SIZES, photo_url, read_photo


def test_most_demo_tutors_have_a_photo_in_both_sizes(db):
    seed_demo(db, tutors=12)
    db.commit()
    approved = db.exec(
        select(TutorProfile).where(col(TutorProfile.status) == TutorStatus.APPROVED).order_by(col(TutorProfile.id))
    ).all()
    with_photo = [p for p in approved if p.photo_version > 0]
    assert len(approved) == 12 and len(with_photo) == 10  # every sixth keeps its initials
    assert photo_url(with_photo[0].id or 0, with_photo[0].photo_version) == (
        f"/api/v1/files/tutor-photos/{with_photo[0].id}/large?v=1"
    )
    larges = set()
    for profile in with_photo:
        for size, side in SIZES.items():
            data, version = read_photo(db, tutor_id=profile.id, size=size)
            with Image.open(io.BytesIO(data)) as img:
                assert (img.format, img.size, version) == ("WEBP", (side, side), 1)
            if size == "large":
                larges.add(data)
    assert len(larges) == len(with_photo)


def test_portraits_are_deterministic_pngs():
    first = portrait_png(3, long_hair=True)
    assert first == portrait_png(3, long_hair=True) and first != portrait_png(4, long_hair=True)
    with Image.open(io.BytesIO(first)) as img:
        assert (img.format, img.size) == ("PNG", (SIDE, SIDE))
        assert len(set(img.getdata())) > 50  # a drawing with shading, not a flat tile

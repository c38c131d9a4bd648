"""The tutor's photo through the API: uploaded by its tutor, served publicly with caching headers."""

from __future__ import annotations

import io

from PIL import Image

from tests.api.conftest import PDF_BYTES


def _png(size=(320, 240)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 160, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def _put(client, headers, data, name="me.png", content_type="image/png"):
    return client.put("/api/v1/tutors/me/photo", files={"file": (name, data, content_type)}, headers=headers)


def test_tutor_uploads_a_photo_that_anyone_can_load_and_cache(client, as_role):
    _, headers = as_role("tutor")
    res = _put(client, headers, _png())
    assert res.status_code == 200, res.text
    url = res.json()["photo_url"]
    assert url == client.get("/api/v1/tutors/me/profile", headers=headers).json()["photo_url"]
    photo = client.get(url)  # no sign-in: public by design
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/webp"
    assert photo.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert photo.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in photo.headers["content-security-policy"]
    img = Image.open(io.BytesIO(photo.content))
    assert (img.format, img.size) == ("WEBP", (400, 400))
    # Without the version (or an old one) the current photo is only cached briefly.
    bare = client.get(url.split("?")[0].replace("/large", "/small"))
    assert bare.status_code == 200 and bare.headers["cache-control"] == "public, max-age=300"
    assert Image.open(io.BytesIO(bare.content)).size == (96, 96)
    assert client.delete("/api/v1/tutors/me/photo", headers=headers).status_code == 204
    assert client.get(url).status_code == 404


def test_upload_is_refused_unless_a_real_image_from_a_tutor(client, as_role):
    _, headers = as_role("tutor")
    res = _put(client, headers, b"notes renamed to a .png", "notes.png")
    assert res.status_code == 422 and res.json()["fields"]["file"] == "must be a JPEG, PNG or WebP image"
    res = _put(client, headers, PDF_BYTES, "cv.png")
    assert res.status_code == 422
    _, student = as_role("student")
    assert _put(client, student, _png()).status_code == 403
    assert client.delete("/api/v1/tutors/me/photo", headers=student).status_code == 403
    assert _put(client, {}, _png()).status_code == 401


def test_missing_photos_are_404(client, as_role):
    as_role("tutor")
    for path in ("/api/v1/files/tutor-photos/1/large", "/api/v1/files/tutor-photos/999/small",
                 "/api/v1/files/tutor-photos/abc/large"):
        assert client.get(path).status_code == 404
    assert client.get("/api/v1/files/tutor-photos/1/huge").status_code == 404  # bad path values answer 404

"""The tutor's own profile state: editing, subject rows, credentials, submission."""

from __future__ import annotations

import io
from pathlib import Path

import reflex as rx
from PIL import Image

from tests.state.conftest import chained, count, fetch, redirects, toasts
from tutorhub.models import CredentialDocument, TutorLanguage, TutorProfile, TutorSubject
from tutorhub.services.tutors import photos as tutor_photos
from tutorhub.services.tutors import profiles as tutor_profiles
from tutorhub.state.tutors.profile import TutorProfileState

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FORM = {
    "full_name": "Tara Teach",
    "headline": "Maths for board exams",
    "bio": "Ten years.",
    "currency": "INR",
    "hourly_rate": "450",
    "home_rate": "600.50",
    "city": "bengaluru",
    "locality": "Indiranagar",
    "travel_radius_km": "8",
    "timezone": "Asia/Kolkata",
    "intro_video_url": "https://video.example/intro",
    "mode__online": "on",
    "mode__home": "on",
    "lang__English": "on",
    "lang__Hindi": "on",
    "other_languages": "Kannada",
}


def upload(name: str, data: bytes) -> rx.UploadFile:
    return rx.UploadFile(file=io.BytesIO(data), path=Path(name), size=len(data))


def _row(user_id: int) -> TutorProfile:
    [row] = fetch(TutorProfile, TutorProfile.user_id == user_id)
    return row


def _ready(browser, email="t@example.com"):
    browser.login(email)
    browser.goto("/tutor/profile")
    page = browser.state(TutorProfileState)
    browser.run(page.load())
    assert page.status == "ready"
    return page


def test_edit_subject_rows_and_save(browser, make_user):
    tutor = make_user("tutor", email="t@example.com")
    page = _ready(browser)
    assert len(page.subject_rows) == 1  # an empty row to start with
    page.set_row_subject(0, "mathematics")
    page.toggle_row_grade(0, "senior", True)
    page.toggle_row_grade(0, "high", True)
    page.add_subject_row()
    page.set_row_subject(1, "physics")
    events = browser.run(page.save(dict(FORM)))
    assert toasts(events, "success") and page.errors == {}
    row = _row(tutor.id)
    assert (row.hourly_rate, row.home_rate, row.city, row.travel_radius_km) == (45000, 60050, "Bengaluru", 8)
    assert row.offers_online and row.offers_home
    subjects = {(s.subject, s.grade_level) for s in fetch(TutorSubject, TutorSubject.tutor_id == row.id)}
    assert subjects == {("mathematics", "high"), ("mathematics", "senior"), ("physics", "all")}
    langs = {lang.language for lang in fetch(TutorLanguage, TutorLanguage.tutor_id == row.id)}
    assert langs == {"English", "Hindi", "Kannada"}
    assert page.hourly_rate == "450.00" and page.other_languages == "Kannada"


def test_row_handlers_ignore_garbage_arguments(browser, make_user):
    make_user("tutor", email="t@example.com")
    page = _ready(browser)
    before = list(page.subject_rows)
    page.remove_subject_row(99)
    page.remove_subject_row("0")
    page.set_row_subject(-1, "x")
    page.set_row_subject(0, {"evil": True})
    page.toggle_row_grade(0, "kindergarten", True)
    page.toggle_row_grade(True, "high", True)
    assert page.subject_rows == before
    for _ in range(40):
        page.add_subject_row()
    assert len(page.subject_rows) == 20


def test_invalid_fields_show_inline_errors(browser, make_user):
    make_user("tutor", email="t@example.com")
    page = _ready(browser)
    browser.run(page.save({**FORM, "hourly_rate": "4.505"}))
    assert page.errors == {"hourly_rate": "has too many decimals"}
    browser.run(page.save({**FORM, "intro_video_url": "javascript:alert(1)", "mode__online": "", "mode__home": ""}))
    assert "intro_video_url" in page.errors and "modes" in page.errors


def test_submit_shows_missing_fields_then_submits(browser, make_user):
    tutor = make_user("tutor", email="t@example.com")
    page = _ready(browser)
    browser.run(page.submit_for_review())
    assert "add a headline" in page.submit_errors and "add at least one subject" in page.submit_errors
    page.set_row_subject(0, "mathematics")
    browser.run(page.save(dict(FORM)))
    events = browser.run(page.submit_for_review())
    assert toasts(events, "success") and page.profile_status == "PENDING" and page.submitted_at
    assert _row(tutor.id).status == "PENDING"
    browser.run(page.submit_for_review())
    assert page.submit_errors == ["Your profile is already waiting for review."]


def test_upload_list_and_delete_credentials(browser, make_user):
    tutor = make_user("tutor", email="t@example.com")
    page = _ready(browser)
    events = browser.run(page.upload_credential([upload("degree.pdf", PDF)]))
    assert chained(events) == ["refresh"] and page.upload_error == ""
    browser.run(page.refresh())
    [doc] = page.documents
    assert doc.name == "degree.pdf" and doc.kind == "PDF" and doc.url == f"/api/v1/files/credentials/{doc.id}"
    browser.run(page.delete_credential(doc.id))
    browser.run(page.refresh())
    assert page.documents == [] and count(CredentialDocument) == 0
    assert _row(tutor.id).status == "DRAFT"


def test_upload_is_checked_by_content_and_size_in_the_service(browser, make_user, monkeypatch):
    make_user("tutor", email="t@example.com")
    page = _ready(browser)
    browser.run(page.upload_credential([upload("evil.pdf", b"MZ\x90\x00 not a pdf")]))
    assert page.upload_error == "The file must be a PDF, JPEG or PNG file."
    monkeypatch.setenv("TUTORHUB_MAX_UPLOAD_MB", "1")
    from tutorhub.settings import reset_settings

    reset_settings()
    try:
        browser.run(page.upload_credential([upload("big.pdf", PDF + b"0" * (1024 * 1024))]))
        assert page.upload_error == "The file must be at most 1 MB."
    finally:
        monkeypatch.delenv("TUTORHUB_MAX_UPLOAD_MB")
        reset_settings()
    browser.run(page.upload_credential("garbage"))
    assert page.upload_error.startswith("Choose")
    assert count(CredentialDocument) == 0
    page.reject_files([{"errors": []}])
    assert "PDF, JPEG or PNG" in page.upload_error


def test_changing_credentials_of_an_approved_profile_returns_it_to_review(browser, make_approved_tutor):
    tutor, tutor_id = make_approved_tutor()
    browser.login(tutor.email)
    page = browser.state(TutorProfileState)
    browser.run(page.load())
    assert page.profile_status == "APPROVED"
    browser.run(page.upload_credential([upload("new.png", b"\x89PNG\r\n\x1a\n" + b"0" * 50)]))
    browser.run(page.refresh())
    assert page.profile_status == "PENDING" and page.history[0].action == "Sent back to review"


def test_stranger_cannot_touch_a_tutor_profile(browser, new_browser, make_user, db):
    victim = make_user("tutor", email="victim@example.com")
    doc = tutor_profiles.upload_credential(db, actor=victim, filename="v.pdf", data=PDF)
    db.commit()
    page = browser.state(TutorProfileState)
    browser.goto("/tutor/profile")
    # No cookie: every handler sends the stranger to the login page and changes nothing.
    for call in (
        page.save(dict(FORM)),
        page.submit_for_review(),
        page.upload_credential([upload("x.pdf", PDF)]),
        page.delete_credential(doc.id),
        page.load(),
    ):
        assert redirects(browser.run(call)) == ["/login?next=%2Ftutor%2Fprofile"]
    # A student's cookie: not allowed.
    make_user("student", email="s@example.com")
    browser.login("s@example.com")
    browser.run(page.load())
    assert page.status == "forbidden"
    browser.run(page.save(dict(FORM)))
    assert page.message == "You do not have access to this."
    browser.run(page.submit_for_review())
    assert page.submit_errors == ["You do not have access to this."]
    browser.run(page.upload_credential([upload("x.pdf", PDF)]))
    assert page.upload_error == "You do not have access to this."
    assert toasts(browser.run(page.delete_credential(doc.id)), "error")
    # Another tutor's cookie: they only ever reach their own profile.
    make_user("tutor", email="mallory@example.com")
    browser.login("mallory@example.com")
    assert toasts(browser.run(page.delete_credential(doc.id)), "error")
    browser.run(page.save({**FORM, "headline": "hijacked"}))
    victim_row = _row(victim.id)
    assert victim_row.headline == "" and victim_row.status == "DRAFT"
    assert [d.id for d in fetch(CredentialDocument, CredentialDocument.tutor_id == victim_row.id)] == [doc.id]
    assert count(TutorProfile) == 2


def test_refresh_without_login_is_harmless(browser):
    page = browser.state(TutorProfileState)
    assert browser.run(page.refresh()) == [] and page.documents == []


def test_prefills_browser_timezone_only_over_the_default(browser, make_user):
    make_user("tutor", email="t@example.com")
    browser.app.set_browser_tz("Asia/Kolkata")
    page = _ready(browser)
    assert page.timezone == "Asia/Kolkata"  # nothing but the UTC default was saved
    browser.run(page.save({**FORM, "timezone": "Europe/Berlin"}))
    browser.run(page.load())
    assert page.timezone == "Europe/Berlin"  # a saved choice wins over the browser


def _png(size=(300, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_tutor_uploads_changes_and_removes_their_photo(browser, make_user):
    tutor = make_user("tutor", email="t@example.com", name="Tara Teach")
    page = _ready(browser)
    assert page.photo_url == "" and page.photo_initials == "TT"
    events = browser.run(page.upload_photo([upload("me.png", _png())]))
    assert toasts(events, "success") and page.photo_error == ""
    profile_id = _row(tutor.id).id
    assert page.photo_url == f"/api/v1/files/tutor-photos/{profile_id}/large?v=1"
    browser.run(page.load())  # the saved photo comes back with the page
    assert page.photo_url.endswith("?v=1")
    browser.run(page.upload_photo([upload("me.jpg", _png((500, 500)))]))
    assert page.photo_url.endswith("?v=2")
    assert toasts(browser.run(page.remove_photo()), "success")
    assert page.photo_url == "" and _row(tutor.id).photo_version == -2


def test_photo_upload_errors_are_shown_in_words(browser, make_user):
    tutor = make_user("tutor", email="t@example.com")
    page = _ready(browser)
    browser.run(page.upload_photo([upload("photo.png", b"these are my notes, not a picture")]))
    assert page.photo_error == "The file must be a JPEG, PNG or WebP image."
    browser.run(page.upload_photo([upload("huge.png", _png() + b"\x00" * (5 * 1024 * 1024))]))
    assert page.photo_error == "The file must be at most 5 MB."
    browser.run(page.upload_photo("garbage"))
    assert page.photo_error == "Choose a JPEG, PNG or WebP image."
    page.reject_photo([{"errors": []}])
    assert page.photo_error == "Upload a JPEG, PNG or WebP image of at most 5 MB."
    assert _row(tutor.id).photo_version == 0 and page.photo_url == ""


def test_stranger_cannot_change_a_tutors_photo(browser, make_user, db):
    victim = make_user("tutor", email="victim@example.com")
    tutor_photos.set_own_photo(db, actor=victim, data=_png())
    db.commit()
    page = browser.state(TutorProfileState)
    browser.goto("/tutor/profile")
    for call in (page.upload_photo([upload("x.png", _png())]), page.remove_photo()):
        assert redirects(browser.run(call)) == ["/login?next=%2Ftutor%2Fprofile"]
    make_user("student", email="s@example.com")
    browser.login("s@example.com")
    browser.run(page.upload_photo([upload("x.png", _png())]))
    assert page.photo_error == "You do not have access to this."
    assert toasts(browser.run(page.remove_photo()), "error")
    # Another tutor only ever changes their own photo.
    make_user("tutor", email="mallory@example.com")
    browser.login("mallory@example.com")
    browser.run(page.upload_photo([upload("x.png", _png())]))
    browser.run(page.remove_photo())
    assert _row(victim.id).photo_version == 1

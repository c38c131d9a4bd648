import pytest
from sqlmodel import select

from tutorhub.models import CredentialDocument, TutorSubject
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from tutorhub.services.tutors import profiles as tutor_profiles
from tutorhub.services.tutors import verification
from tutorhub.settings import get_settings

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _complete(db, tutor, **extra):
    data = {"headline": "Physics for JEE", "bio": "Ten years", "subjects": ["physics"], "hourly_rate": 50000,
            "currency": "INR", "languages": ["english", "Hindi"], "modes": ["online"], **extra}
    return tutor_profiles.update_own_profile(db, actor=tutor, data=data)


def test_update_profile_normalizes_subjects_grades_languages_and_modes(db, make_user):
    tutor = make_user("tutor")
    profile = tutor_profiles.update_own_profile(db, actor=tutor, data={
        "headline": " Maths   and physics ",
        "subjects": ["Maths", {"subject": "Physics", "grades": ["10", "university"]}],
        "grade_levels": ["Grade 7"],
        "languages": ["english", "English", "hindi"],
        "mode": "both", "hourly_rate": "2500", "home_rate": 3000, "city": "new york",
    })
    assert profile.headline == "Maths and physics"
    pairs = {(s.subject, s.grade_level) for s in profile.subjects}
    assert pairs == {("mathematics", "middle"), ("physics", "high"), ("physics", "university")}
    assert profile.languages == ["English", "Hindi"]
    assert profile.modes == ["online", "home"]
    assert (profile.hourly_rate, profile.city) == (2500, "New York")
    # Subjects without any grade teach every level.
    profile = tutor_profiles.update_own_profile(db, actor=tutor, data={"subjects": ["chemistry"]})
    assert [(s.subject, s.grade_level) for s in profile.subjects] == [("chemistry", "all")]


def test_update_profile_reports_every_bad_field_and_changes_nothing(db, make_user):
    tutor = make_user("tutor")
    _complete(db, tutor)
    db.commit()
    with pytest.raises(InvalidInput) as err:
        tutor_profiles.update_own_profile(db, actor=tutor, data={
            "headline": "x" * 10_000, "hourly_rate": -5, "timezone": "Nowhere/City", "modes": ["teleport"],
            "subjects": "physics", "intro_video_url": "javascript:alert(1)", "currency": "XXX", "languages": [1],
        })
    assert {"headline", "hourly_rate", "timezone", "modes", "subjects", "intro_video_url", "currency",
            "languages"} <= set(err.value.fields)
    db.rollback()
    assert tutor_profiles.get_own_profile(db, actor=tutor).headline == "Physics for JEE"
    with pytest.raises(InvalidInput):
        tutor_profiles.update_own_profile(db, actor=tutor, data=["not", "a", "dict"])
    with pytest.raises(InvalidInput):
        tutor_profiles.update_own_profile(db, actor=tutor, data={"modes": []})


def test_only_tutors_edit_tutor_profiles(db, make_user):
    with pytest.raises(NotAuthenticated):
        tutor_profiles.update_own_profile(db, actor=None, data={"headline": "x"})
    with pytest.raises(Forbidden):
        tutor_profiles.update_own_profile(db, actor=make_user("student"), data={"headline": "x"})


def test_submit_requires_basics_and_moves_draft_to_pending_once(db, make_user):
    tutor = make_user("tutor")
    with pytest.raises(Conflict) as err:
        tutor_profiles.submit_for_review(db, actor=tutor)
    assert {"headline", "subjects", "hourly_rate"} <= set(err.value.fields)
    _complete(db, tutor)
    assert tutor_profiles.submit_for_review(db, actor=tutor).status == "PENDING"
    with pytest.raises(Conflict):
        tutor_profiles.submit_for_review(db, actor=tutor)


def test_home_tuition_needs_rate_and_city(db, make_user):
    tutor = make_user("tutor")
    _complete(db, tutor, modes=["home"], home_rate=0, city="")
    with pytest.raises(Conflict) as err:
        tutor_profiles.submit_for_review(db, actor=tutor)
    assert {"home_rate", "city"} <= set(err.value.fields)


def test_rejected_tutor_can_edit_and_resubmit(db, make_user):
    tutor, admin = make_user("tutor"), make_user("admin")
    profile = _complete(db, tutor)
    tutor_profiles.submit_for_review(db, actor=tutor)
    rejected = verification.reject_tutor(db, actor=admin, tutor_id=profile.id, notes="Add a degree")
    assert rejected.status == "REJECTED"
    mine = tutor_profiles.get_own_profile(db, actor=tutor)
    assert mine.review_notes == "Add a degree" and mine.history[0].action == "REJECTED"
    _complete(db, tutor, bio="Now with a degree")
    assert tutor_profiles.submit_for_review(db, actor=tutor).status == "PENDING"


@pytest.mark.parametrize(("data", "content_type"), [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")])
def test_credentials_are_accepted_by_content_and_stored_privately(db, make_user, data, content_type):
    tutor = make_user("tutor")
    doc = tutor_profiles.upload_credential(db, actor=tutor, filename="../../etc/passwd.txt", data=data)
    assert doc.content_type == content_type and doc.size_bytes == len(data)
    assert "/" not in doc.original_name
    row = db.get(CredentialDocument, doc.id)
    path = get_settings().storage_dir / row.storage_key
    assert path.read_bytes() == data
    assert "assets" not in str(path) and ".web" not in str(path)


@pytest.mark.parametrize("data", [b"", b"hello, I am a text file", b"GIF89a....", "%PDF-1.4 as text", None])
def test_credentials_rejected_when_content_is_not_pdf_jpeg_png(db, make_user, data):
    tutor = make_user("tutor")
    with pytest.raises(InvalidInput):
        tutor_profiles.upload_credential(db, actor=tutor, filename="degree.pdf", data=data)
    assert db.exec(select(CredentialDocument)).all() == []


def test_credentials_over_the_size_limit_are_rejected(db, make_user):
    tutor = make_user("tutor")
    big = PDF + b"0" * get_settings().max_upload_bytes
    with pytest.raises(InvalidInput) as err:
        tutor_profiles.upload_credential(db, actor=tutor, filename="big.pdf", data=big)
    assert "MB" in err.value.message


def test_changing_credentials_sends_an_approved_profile_back_to_review(db, make_approved_tutor):
    tutor, tutor_id = make_approved_tutor()
    doc = tutor_profiles.upload_credential(db, actor=tutor, filename="cert.png", data=PNG)
    assert tutor_profiles.get_own_profile(db, actor=tutor).status == "PENDING"
    db.commit()
    # A pending profile stays pending when a document is deleted.
    tutor_profiles.delete_credential(db, actor=tutor, document_id=doc.id)
    profile = tutor_profiles.get_own_profile(db, actor=tutor)
    assert profile.status == "PENDING" and profile.documents == []
    assert profile.history[0].action == "RESET"


def test_credentials_are_readable_only_by_owner_and_admins(db, make_user):
    owner, other, student, admin = make_user("tutor"), make_user("tutor"), make_user("student"), make_user("admin")
    doc = tutor_profiles.upload_credential(db, actor=owner, filename="d.pdf", data=PDF)
    assert tutor_profiles.read_credential(db, actor=owner, document_id=doc.id)[1] == PDF
    assert tutor_profiles.read_credential(db, actor=admin, document_id=doc.id)[1] == PDF
    for stranger in (other, student):
        with pytest.raises(NotFound):
            tutor_profiles.read_credential(db, actor=stranger, document_id=doc.id)
    with pytest.raises(NotAuthenticated):
        tutor_profiles.read_credential(db, actor=None, document_id=doc.id)
    with pytest.raises(NotFound):
        tutor_profiles.delete_credential(db, actor=other, document_id=doc.id)
    for junk in ("abc", -1, 10**30, None):
        with pytest.raises((NotFound, InvalidInput)):
            tutor_profiles.read_credential(db, actor=admin, document_id=junk)


def test_subject_rows_are_replaced_not_duplicated(db, make_user):
    tutor = make_user("tutor")
    _complete(db, tutor)
    _complete(db, tutor, subjects=["physics", "chemistry"])
    assert len(db.exec(select(TutorSubject)).all()) == 2

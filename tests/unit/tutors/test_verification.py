import pytest

from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from tutorhub.services.tutors import profiles as tutor_profiles
from tutorhub.services.tutors import verification


def _pending(db, make_user, name="T"):
    tutor = make_user("tutor", name=name)
    profile = tutor_profiles.update_own_profile(db, actor=tutor, data={
        "headline": "Chemistry", "subjects": ["chemistry"], "hourly_rate": 2000})
    tutor_profiles.submit_for_review(db, actor=tutor)
    db.commit()
    return tutor, profile.id


def test_queue_lists_pending_tutors_oldest_first_with_counts(db, make_user):
    admin = make_user("admin")
    _pending(db, make_user, "First")
    _pending(db, make_user, "Second")
    make_user("tutor", name="Draft only")
    page = verification.list_queue(db, actor=admin)
    assert [i.full_name for i in page.items] == ["First", "Second"]
    assert page.counts == {"PENDING": 2, "DRAFT": 1}
    assert page.items[0].subjects == ["Chemistry"]
    assert verification.list_queue(db, actor=admin, status="DRAFT").total == 1
    with pytest.raises(InvalidInput):
        verification.list_queue(db, actor=admin, status="NOPE")


def test_only_admins_see_the_queue_and_decide(db, make_user):
    tutor, tutor_id = _pending(db, make_user)
    for actor, error in ((None, NotAuthenticated), (tutor, Forbidden), (make_user("student"), Forbidden)):
        with pytest.raises(error):
            verification.list_queue(db, actor=actor)
        with pytest.raises(error):
            verification.approve_tutor(db, actor=actor, tutor_id=tutor_id)
        with pytest.raises(error):
            verification.get_for_review(db, actor=actor, tutor_id=tutor_id)
    assert tutor_profiles.get_own_profile(db, actor=tutor).status == "PENDING"


def test_approve_and_reject_rules(db, make_user):
    admin = make_user("admin")
    tutor, tutor_id = _pending(db, make_user)
    with pytest.raises(InvalidInput):
        verification.reject_tutor(db, actor=admin, tutor_id=tutor_id, notes="   ")
    approved = verification.approve_tutor(db, actor=admin, tutor_id=tutor_id, notes="Welcome")
    assert approved.status == "APPROVED" and approved.reviewed_at
    with pytest.raises(Conflict):
        verification.reject_tutor(db, actor=admin, tutor_id=tutor_id, notes="too late")
    for junk in (999_999, "abc", None, -3):
        with pytest.raises(NotFound):
            verification.approve_tutor(db, actor=admin, tutor_id=junk)
    detail = verification.get_for_review(db, actor=admin, tutor_id=tutor_id)
    assert [h.action for h in detail.history] == ["APPROVED", "SUBMITTED"]
    assert detail.email == tutor.email

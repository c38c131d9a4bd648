import pytest

from tutorhub.services.accounts import students
from tutorhub.services.errors import Forbidden, InvalidInput, NotAuthenticated


def test_student_onboarding_saves_normalized_fields(db, make_user):
    student = make_user("student")
    out = students.update_student_profile(db, actor=student, data={
        "grade_level": "Grade 9", "subjects": ["Maths", "physics", "maths"], "goals": "Ace the board exams",
        "budget_min": 1000, "budget_max": "3000", "currency": "inr", "mode": "both", "city": "pune",
        "locality": "Kothrud", "timezone": "Asia/Kolkata", "guardian_name": "Parent",
        "guardian_email": "Parent@Example.com", "guardian_phone": "+91 98765 43210",
    })
    assert out.grade_level == "high" and out.subjects == ["mathematics", "physics"]
    assert (out.currency, out.city, out.guardian_email, out.guardian_phone) == ("INR", "Pune", "parent@example.com", "+919876543210")
    assert out.complete
    assert students.get_student_profile(db, actor=student).timezone == "Asia/Kolkata"


def test_student_onboarding_validation(db, make_user):
    student = make_user("student")
    with pytest.raises(InvalidInput) as err:
        students.update_student_profile(db, actor=student, data={
            "budget_min": 5000, "budget_max": 1000, "mode": "home", "timezone": "UTC+5",
            "guardian_email": "not-an-email", "goals": "g" * 3000,
        })
    assert {"timezone", "guardian_email", "goals", "city"} <= set(err.value.fields)
    with pytest.raises(InvalidInput) as err:
        students.update_student_profile(db, actor=student, data={"budget_min": 5000, "budget_max": 1000})
    assert "budget_max" in err.value.fields


def test_only_students_have_student_profiles(db, make_user):
    with pytest.raises(NotAuthenticated):
        students.get_student_profile(db, actor=None)
    with pytest.raises(Forbidden):
        students.update_student_profile(db, actor=make_user("tutor"), data={"goals": "x"})

import pytest

from tutorhub.models import Role, User
from tutorhub.services.errors import InvalidInput, NotFound
from tutorhub.services.tutors import profiles as tutor_profiles
from tutorhub.services.tutors import search


@pytest.fixture
def catalogue(db, make_approved_tutor, make_user):
    """Four approved tutors and one draft, with distinct subjects, prices, cities, modes, languages."""
    made = {
        "berlin_maths": make_approved_tutor(subjects=[{"subject": "maths", "grades": ["high", "senior"]}],
                                            hourly_rate=3000, city="Berlin", languages=["German", "English"]),
        "mumbai_physics": make_approved_tutor(subjects=["physics"], hourly_rate=50000, currency="INR",
                                              city="Mumbai", modes=["online", "home"], home_rate=70000,
                                              languages=["Hindi"], timezone="Asia/Kolkata"),
        "ny_english": make_approved_tutor(subjects=[{"subject": "english", "grade": "primary"}], hourly_rate=6000,
                                          currency="USD", city="New York", languages=["English"]),
        "home_only": make_approved_tutor(subjects=["maths"], modes=["home"], home_rate=2500, hourly_rate=0,
                                         city="Berlin"),
    }
    draft = make_user("tutor")
    tutor_profiles.update_own_profile(db, actor=draft, data={"headline": "Draft", "subjects": ["maths"],
                                                             "hourly_rate": 100})
    db.commit()
    return {k: v[1] for k, v in made.items()}


def ids(page):
    return {c.id for c in page.items}


def test_only_approved_tutors_are_listed(db, catalogue):
    page = search.search_tutors(db)
    assert page.total == 4 and ids(page) == set(catalogue.values())


@pytest.mark.parametrize(("filters", "expected"), [
    ({"subject": "Mathematics"}, {"berlin_maths", "home_only"}),
    ({"subject": "maths", "grade": "11"}, {"berlin_maths", "home_only"}),
    ({"subject": "maths", "grade": "primary"}, {"home_only"}),
    ({"grade": "primary"}, {"ny_english", "home_only", "mumbai_physics"}),
    ({"mode": "home"}, {"mumbai_physics", "home_only"}),
    ({"mode": "online"}, {"berlin_maths", "mumbai_physics", "ny_english"}),
    # The ceiling is in the display currency and every tutor's rate is converted (₹500 ≈ €5.43).
    ({"max_rate": 3000, "display_currency": "EUR"}, {"berlin_maths", "home_only", "mumbai_physics"}),
    ({"max_rate": 2500, "mode": "home", "display_currency": "EUR"}, {"home_only", "mumbai_physics"}),
    ({"max_rate": 3000}, {"home_only", "mumbai_physics"}),  # USD by default: €30 ≈ $32.61 is over
    ({"city": "berlin"}, {"berlin_maths", "home_only"}),
    ({"language": "german"}, {"berlin_maths"}),
    ({"language": "Hindi", "city": "Mumbai", "subject": "physics"}, {"mumbai_physics"}),
    ({"subject": "underwater basket weaving"}, set()),
])
def test_filters(db, catalogue, filters, expected):
    page = search.search_tutors(db, **filters)
    assert ids(page) == {catalogue[k] for k in expected}
    assert page.total == len(expected)


def test_suspended_tutors_disappear_from_search_and_profiles(db, catalogue, make_approved_tutor):
    tutor_id = catalogue["ny_english"]
    profile = search.get_public_profile(db, tutor_id=tutor_id)
    user = db.exec(__import__("sqlmodel").select(User).where(User.full_name == profile.full_name)).one()
    user.is_suspended = True
    db.add(user)
    db.commit()
    assert tutor_id not in ids(search.search_tutors(db))
    with pytest.raises(NotFound):
        search.get_public_profile(db, tutor_id=tutor_id)


def test_paging_is_stable_and_complete(db, catalogue):
    first = search.search_tutors(db, per_page=3, page=1)
    second = search.search_tutors(db, per_page=3, page=2)
    assert (first.pages, len(first.items), len(second.items)) == (2, 3, 1)
    assert ids(first) | ids(second) == set(catalogue.values())
    assert search.search_tutors(db, per_page=3, page=9).items == []


def test_cheaper_tutors_rank_higher_under_a_price_ceiling(db, catalogue):
    page = search.search_tutors(db, subject="maths", max_rate=4000)
    # Both have the same rating/trust; home_only is cheaper (2500 < 3000).
    assert [c.id for c in page.items] == [catalogue["home_only"], catalogue["berlin_maths"]]
    assert page.items[0].score > page.items[1].score


@pytest.mark.parametrize("filters", [
    {"page": 0}, {"page": "abc"}, {"per_page": 500}, {"max_rate": -1}, {"max_rate": "1.5"},
    {"grade": "kindergarten"}, {"mode": "teleport"}, {"subject": "x" * 10_000}, {"min_rating": 9},
])
def test_bad_filters_are_clear_errors(db, filters):
    with pytest.raises(InvalidInput):
        search.search_tutors(db, **filters)


def test_public_profile_has_no_private_fields(db, catalogue):
    profile = search.get_public_profile(db, tutor_id=catalogue["berlin_maths"])
    dumped = profile.model_dump()
    for key in ("email", "phone", "status", "review_notes", "documents", "user_id", "password_hash"):
        assert key not in dumped
    assert profile.subjects[0].subject_label == "Mathematics"


def test_unknown_or_unapproved_profiles_are_not_found(db, make_user):
    draft = make_user("tutor")
    own = tutor_profiles.get_own_profile(db, actor=draft)
    for tutor_id in (own.id, 99999, "abc", None):
        with pytest.raises(NotFound):
            search.get_public_profile(db, tutor_id=tutor_id)


def test_currency_filter_narrows_to_tutors_charging_in_it(db, catalogue):
    # An explicit "tutor charges in" filter; the ceiling is then in that currency.
    assert ids(search.search_tutors(db, currency="INR")) == {catalogue["mumbai_physics"]}
    assert ids(search.search_tutors(db, currency="eur", max_rate=2500)) == {catalogue["home_only"]}
    with pytest.raises(InvalidInput):
        search.search_tutors(db, currency="DOGE")


@pytest.mark.parametrize("windows", [[], "[]"])
def test_an_explicit_empty_window_list_is_an_error_not_no_filter(db, windows):
    with pytest.raises(InvalidInput) as err:
        search.search_tutors(db, windows=windows)
    assert "windows" in err.value.fields


def _rename(db, tutor_id: int, full_name: str) -> None:
    profile = search.get_public_profile(db, tutor_id=tutor_id)
    user = db.exec(__import__("sqlmodel").select(User).where(User.full_name == profile.full_name)).one()
    user.full_name = full_name
    db.add(user)
    db.commit()


def test_name_filter_matches_part_of_the_name_in_any_case_and_takes_wildcards_literally(db, catalogue):
    _rename(db, catalogue["berlin_maths"], "Fenna Family")
    _rename(db, catalogue["home_only"], "Bruno 100% Berlin")
    assert ids(search.search_tutors(db, name="FENNA")) == {catalogue["berlin_maths"]}
    assert ids(search.search_tutors(db, subject="maths", name="berlin")) == {catalogue["home_only"]}
    assert ids(search.search_tutors(db, name="100%")) == {catalogue["home_only"]}
    assert ids(search.search_tutors(db, name="%")) == {catalogue["home_only"]}  # not "any name"
    assert ids(search.search_tutors(db, name="_")) == set()
    with pytest.raises(InvalidInput) as refused:
        search.search_tutors(db, name="x" * 81)
    assert "name" in refused.value.fields


def test_a_students_profile_ranks_their_default_search_without_narrowing_it(db, catalogue, make_user):
    from tutorhub.services.accounts import students

    student = make_user(Role.STUDENT)
    before = [c.id for c in search.search_tutors(db, preferences=search.preferences_of(db, student)).items]
    students.update_student_profile(db, actor=student, data={"grade_level": "primary", "subjects": ["english"],
                                                             "budget_max": 7000, "currency": "USD"})
    prefs = search.preferences_of(db, student)
    assert prefs is not None and prefs.subjects == ("english",) and "English" in prefs.describe()
    ranked = search.search_tutors(db, preferences=prefs)
    assert ranked.items[0].id == catalogue["ny_english"] and ranked.total == 4  # first, and nothing hidden
    assert set(before) == {c.id for c in ranked.items}
    physics = search.search_tutors(db, subject="physics", preferences=prefs)  # a searched subject wins
    assert [c.id for c in physics.items] == [catalogue["mumbai_physics"]]
    assert search.preferences_of(db, None) is None
    tutor_actor = make_user(Role.TUTOR)
    assert search.preferences_of(db, tutor_actor) is None

"""Landing page, search (URL-backed filters) and the public tutor profile."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.state.conftest import redirects
from tutorhub.state.ops.admin_tools import AdminLoginsState
from tutorhub.state.tutors.search import HomeState, SearchState, TutorPageState, search_href
from tutorhub.state.tutors.verification import AdminQueueState


def test_home_lists_top_tutors_and_search_box_goes_to_shareable_url(browser, make_approved_tutor):
    make_approved_tutor()
    page = browser.state(HomeState)
    browser.run(page.load())
    # A visitor without a currency (no browser zone yet): ≈ USD beside the tutor's own price.
    assert len(page.top_tutors) == 1 and page.top_tutors[0].price == "≈ $32.61/h (€30/h)"
    assert redirects(page.find({"subject": "Maths", "city": "Berlin"})) == ["/tutors?subject=Maths&city=Berlin"]
    assert redirects(page.find({"subject": "", "city": ""})) == ["/tutors"]


def test_search_reads_filters_from_the_url(browser, make_approved_tutor):
    _, berlin = make_approved_tutor(city="Berlin", hourly_rate=3000)
    make_approved_tutor(city="Munich", hourly_rate=6000)
    browser.goto("/tutors?subject=Maths&city=berlin&max_price=40&currency=EUR&mode=online")
    page = browser.state(SearchState)
    browser.run(page.load())
    assert (page.total, page.loading, page.errors) == (1, False, {})
    [card] = page.results
    assert card.id == berlin and card.href == f"/tutors/{berlin}" and card.subjects == ["Mathematics"]
    assert page.subject == "Maths" and page.city == "berlin" and page.active_filters == 5


def test_search_paging_links_keep_filters(browser, make_approved_tutor, monkeypatch):
    monkeypatch.setenv("TUTORHUB_PAGE_SIZE", "1")
    from tutorhub.settings import reset_settings

    reset_settings()
    try:
        for _ in range(3):
            make_approved_tutor()
        browser.goto("/tutors?subject=mathematics&page=2")
        page = browser.state(SearchState)
        browser.run(page.load())
        assert (page.page, page.pages, len(page.results)) == (2, 3, 1)
        assert page.prev_href == "/tutors?subject=mathematics"
        assert parse_qs(urlsplit(page.next_href).query) == {"subject": ["mathematics"], "page": ["3"]}
    finally:
        monkeypatch.delenv("TUTORHUB_PAGE_SIZE")
        reset_settings()


def test_apply_navigates_to_filter_url_and_bad_values_are_inline_errors(browser, make_approved_tutor):
    make_approved_tutor()
    page = browser.state(SearchState)
    form = {
        "subject": "Physics",
        "grade": "any",
        "mode": "home",
        "max_price": "25.5",
        "city": "",
        "language": "any",
        "min_rating": "4",
    }
    [url] = redirects(page.apply(form))
    assert parse_qs(urlsplit(url).query) == {
        "subject": ["Physics"],
        "mode": ["home"],
        "max_price": ["25.5"],
        "min_rating": ["4"],
    }
    browser.goto("/tutors?max_price=cheap&grade=kindergarten")
    browser.run(page.load())
    assert set(page.errors) == {"max_price", "grade"} and page.results == [] and page.filters_open
    browser.goto("/tutors?subject=Klingon")
    browser.run(page.load())
    assert page.total == 0 and page.errors == {}
    assert redirects(page.clear()) == ["/tutors"]
    assert search_href({"subject": "a b", "grade": "any"}, 2) == "/tutors?subject=a+b&page=2"


def test_public_profile_and_404_for_unknown_or_unapproved(browser, make_approved_tutor, make_user, db):
    tutor, tutor_id = make_approved_tutor(home_rate=4500, modes=["online", "home"], travel_radius_km=5)
    page = browser.state(TutorPageState)
    browser.goto(f"/tutors/{tutor_id}/", route="/tutors/[tutor_id]")
    browser.run(page.load())
    assert page.status == "ready" and page.name == tutor.full_name
    assert (page.online_price, page.home_price) == ("≈ $32.61/h (€30/h)", "≈ $48.91/h (€45/h)")
    assert page.subjects[0].subject == "Mathematics" and page.subjects[0].grades == "High school (9–10)"
    from tutorhub.services.tutors import profiles as tutor_profiles

    draft = make_user("tutor")
    draft_profile = tutor_profiles.get_own_profile(db, actor=draft)
    db.commit()
    for bad in (str(draft_profile.id), "999999", "abc", "-1"):
        browser.goto(f"/tutors/{bad}", route="/tutors/[tutor_id]")
        browser.run(page.load())
        assert page.status == "notfound", bad


def test_paging_links_and_filter_count_reach_the_browser_when_filters_change(browser, make_approved_tutor):
    """The computed vars read filters by name, so their dependencies must be declared for the delta."""
    make_approved_tutor()
    page = browser.state(SearchState)
    browser.goto("/tutors")
    browser.run(page.load())
    browser.root._clean()
    browser.goto("/tutors?subject=mathematics&city=Berlin")
    browser.run(page.load())
    delta = browser.root.get_delta()
    [search_delta] = [v for k, v in delta.items() if k.endswith("search_state")]
    assert search_delta["active_filters_rx_state_"] == 2


@pytest.mark.parametrize("page_value", ["²", "①", "9" * 5000, "0", "-3", "2x"])
def test_odd_page_numbers_in_the_url_fall_back_to_page_one(browser, make_user, make_approved_tutor, page_value):
    # "²".isdigit() is True but int("²") raises, and 5,000 digits exceed int()'s limit: both
    # used to crash the page load of /tutors, /admin/verification and /admin/logins.
    make_approved_tutor()
    browser.goto("/tutors?" + urlencode({"subject": "maths", "page": page_value}))
    search_page = browser.state(SearchState)
    browser.run(search_page.load())
    assert (search_page.page, search_page.total, search_page.loading) == (1, 1, False)
    browser.login(make_user("admin").email)
    browser.goto("/admin/verification?" + urlencode({"page": page_value}))
    queue = browser.state(AdminQueueState)
    browser.run(queue.load())
    assert (queue.status, queue.page) == ("ready", 1)
    browser.goto("/admin/logins?" + urlencode({"page": page_value}))
    logins = browser.state(AdminLoginsState)
    browser.run(logins.load())
    assert (logins.status, logins.page) == ("ready", 1)


def test_price_limit_converts_every_currency(browser, make_approved_tutor):
    _, rupees = make_approved_tutor(hourly_rate=50000, currency="INR")  # ₹500/h
    make_approved_tutor(hourly_rate=3000, currency="EUR")  # €30/h
    browser.goto("/tutors?max_price=600&currency=INR")
    page = browser.state(SearchState)
    browser.run(page.load())
    assert [c.id for c in page.results] == [rupees]
    # A limit without a currency is in the viewer's display currency (USD here) and compared with every
    # tutor's converted price: "Any" stays "Any" and nobody is dropped for charging in € or ₹.
    browser.goto("/tutors?max_price=600")
    page = browser.state(SearchState)
    browser.run(page.load())
    assert (page.currency, page.total, page.shown_currency) == ("", 2, "USD")
    browser.goto("/tutors?max_price=10")  # ₹500 ≈ $6.01 fits, €30 ≈ $32.61 does not
    page = browser.state(SearchState)
    browser.run(page.load())
    assert [c.id for c in page.results] == [rupees] and page.results[0].price == "≈ $6.01/h (₹500/h)"


def test_a_signed_in_students_default_search_is_ordered_by_their_profile(browser, make_approved_tutor, make_user, db):
    from tutorhub.services.accounts import students

    _, maths = make_approved_tutor(subjects=["maths"], hourly_rate=2000)
    _, physics = make_approved_tutor(subjects=["physics"], hourly_rate=6000)
    student = make_user("student", email="ranked-student@example.com")
    students.update_student_profile(db, actor=student, data={"grade_level": "high", "subjects": ["physics"]})
    db.commit()
    browser.login(student.email)
    browser.goto("/tutors")
    page = browser.state(SearchState)
    browser.run(page.load())
    assert [c.id for c in page.results] == [physics, maths]  # ordered, nothing hidden
    assert "Physics" in page.ranked_for
    browser.goto("/tutors?sort=price")
    browser.run(page.load())
    assert [c.id for c in page.results] == [maths, physics] and page.ranked_for == ""

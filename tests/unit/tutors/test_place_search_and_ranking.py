"""Distance search from the offline gazetteer, the match score and the other sort orders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW, open_all_week
from tutorhub.models import TutorProfile
from tutorhub.services.errors import InvalidInput
from tutorhub.services.tutors import places, ranking, search
from tutorhub.services.tutors.stats import response_text


@pytest.fixture
def bengaluru(db, make_approved_tutor):
    """Three home tutors around Bengaluru (centre, Mysuru ~128 km, Tumakuru ~64 km) and one in Berlin."""
    common = {"modes": ["online", "home"], "currency": "INR", "timezone": "Asia/Kolkata",
              "subjects": [{"subject": "maths", "grades": ["high"]}]}
    made = {
        "centre": make_approved_tutor(city="Bengaluru", hourly_rate=60000, home_rate=80000, travel_radius_km=15,
                                      **common),
        "mysuru": make_approved_tutor(city="Mysore", hourly_rate=40000, home_rate=50000, travel_radius_km=200,
                                      **common),
        "tumakuru": make_approved_tutor(city="Tumkur", hourly_rate=50000, home_rate=60000, travel_radius_km=30,
                                        **common),
        "berlin": make_approved_tutor(city="Berlin", hourly_rate=3000),
    }
    return {k: v[1] for k, v in made.items()}


def _ids(page):
    return [c.id for c in page.items]


def test_distance_search_keeps_tutors_within_the_radius_with_distances(db, bengaluru):
    page = search.search_tutors(db, city="Koramangala, Bengaluru", radius_km=10, now=NOW)
    assert _ids(page) == [bengaluru["centre"]] and page.items[0].distance_km == 0.0
    assert "Bengaluru" in page.place
    wide = search.search_tutors(db, city="Bangalore", radius_km=150, now=NOW)
    assert set(_ids(wide)) == {bengaluru["centre"], bengaluru["mysuru"], bengaluru["tumakuru"]}
    by_id = {c.id: c.distance_km for c in wide.items}
    assert 100 < by_id[bengaluru["mysuru"]] < 160 and 40 < by_id[bengaluru["tumakuru"]] < 90


def test_home_tuition_also_needs_the_tutors_own_travel_radius(db, bengaluru):
    page = search.search_tutors(db, city="Bengaluru", radius_km=150, mode="home", now=NOW)
    # Tumakuru's tutor travels 30 km only; Mysuru's 200 km reaches Bengaluru.
    assert set(_ids(page)) == {bengaluru["centre"], bengaluru["mysuru"]}


def test_unknown_places_fall_back_to_the_typed_name_with_suggestions(db, bengaluru):
    page = search.search_tutors(db, city="Bengalurru", now=NOW)
    assert page.items == [] and "Bengaluru, India" in page.place_suggestions
    with pytest.raises(InvalidInput) as err:
        places.resolve_place("Qwxzyville")
    assert "city" in err.value.fields


def test_sorts_by_price_rating_and_next_free(db, bengaluru, make_approved_tutor):
    by_price = search.search_tutors(db, city="Bengaluru", radius_km=150, sort="price", now=NOW)
    assert _ids(by_price) == [bengaluru["mysuru"], bengaluru["tumakuru"], bengaluru["centre"]]
    rows = {p.id: p for p in db.exec(select(TutorProfile)).all()}
    rows[bengaluru["tumakuru"]].rating_avg, rows[bengaluru["tumakuru"]].rating_count = 4.8, 10
    rows[bengaluru["centre"]].rating_avg, rows[bengaluru["centre"]].rating_count = 4.2, 30
    db.add_all(rows.values())
    db.commit()
    by_rating = search.search_tutors(db, city="Bengaluru", radius_km=150, sort="rating", now=NOW)
    assert _ids(by_rating)[:2] == [bengaluru["tumakuru"], bengaluru["centre"]]
    with pytest.raises(InvalidInput):
        search.search_tutors(db, sort="cheapest", now=NOW)


def test_next_free_puts_the_earliest_free_tutor_first(db, make_user, make_approved_tutor):
    early, early_id = make_approved_tutor(timezone="UTC")
    late, late_id = make_approved_tutor(timezone="UTC")
    _none, none_id = make_approved_tutor(timezone="UTC")
    open_all_week(db, early, start="13:00", end="14:00", min_notice_hours=1)
    open_all_week(db, late, start="20:00", end="21:00", min_notice_hours=1)
    page = search.search_tutors(db, sort="next_free", now=NOW)
    assert _ids(page) == [early_id, late_id, none_id]


def test_the_match_score_rewards_fit_and_is_explained(db, make_approved_tutor):
    base = ranking.Candidate(1, 3000, 4.5, 10, 80, 100, 60, True, free_starts=20, distance_km=0.0, radius_km=10)
    worse = ranking.Candidate(2, 3000, 4.5, 10, 80, 100, 60, True, free_starts=2, distance_km=8.0, radius_km=10)
    assert ranking.match_score(base, max_rate=4000) > ranking.match_score(worse, max_rate=4000)
    assert 0 <= ranking.match_score(worse, max_rate=4000) <= 100
    neutral = ranking.Candidate(3, 3000, 0.0, 0, 0, 0, None, None)
    assert ranking.match_score(neutral, max_rate=None) == pytest.approx(
        25 * 0.5 + 10 * 0.25 + 15 * 0.5 + 10 * 0.5 + 15 * 0.5 + 10 * 0.5)


def test_response_time_text():
    assert response_text(None) == ""
    assert response_text(30) == "usually replies within an hour"
    assert response_text(150) == "usually replies within 3 hours"
    assert response_text(int(timedelta(days=2).total_seconds() // 60) + 1) == "usually replies within 3 days"

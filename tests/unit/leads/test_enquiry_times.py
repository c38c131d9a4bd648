"""An enquiry's own preferred weekly times: stored with it, used by matching, the inbox's fit and
the proposal's best times, defaulting to the saved windows, and validated range by range."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.support.booking import NOW, open_all_week
from tests.support.leads import enquiry_data
from tutorhub.models import Enquiry, Role
from tutorhub.services.errors import InvalidInput
from tutorhub.services.leads import enquiries, inbox, proposals
from tutorhub.services.leads.enquiry_times import MAX_RANGES
from tutorhub.services.scheduling import student_windows


@pytest.fixture
def evening_tutor(db, make_approved_tutor):
    """Free 17:00–21:00 UTC every day (a 60-minute lesson can start 17:00 … 20:00)."""
    user, tid = make_approved_tutor(timezone="UTC")
    open_all_week(db, user, start="17:00", end="21:00")
    return user


def _save_windows(db, student, rows, zone="UTC"):
    student_windows.save_student_windows(db, actor=student, data={
        "timezone": zone, "windows": [{"weekday": w, "start": s, "end": e} for w, s, e in rows]})
    db.commit()


def _post(db, student, **overrides):
    out = enquiries.post_enquiry(db, actor=student, data=enquiry_data(**overrides), now=NOW)
    db.commit()
    return out


def test_the_enquirys_own_times_replace_the_saved_ones_everywhere(db, make_user, evening_tutor):
    student = make_user(Role.STUDENT)
    _save_windows(db, student, [(d, "08:00", "10:00") for d in range(7)])  # mornings: the tutor is never free
    morning = _post(db, student, windows=None, timezone=None)
    assert [(w.weekday, w.start, w.end) for w in morning.windows][:1] == [(0, "08:00", "10:00")]
    assert morning.match_count == 0 and inbox.lead_inbox(db, actor=evening_tutor, now=NOW).items == []

    evening = _post(db, student, windows=[{"weekday": 2, "start": "18:00", "end": "20:00"}], timezone=None)
    stored = db.get(Enquiry, evening.id)
    assert stored.windows == [[2, 18 * 60, 20 * 60]] and stored.timezone == "UTC"
    assert evening.match_count == 1
    lead = inbox.lead_inbox(db, actor=evening_tutor, now=NOW).items[0]
    # Wednesdays 18:00, 18:30 and 19:00 in the next 14 days: 2 weeks × 3 starts (the inbox's fit line).
    assert lead.id == evening.id and lead.free_starts == 6
    assert any("6 of your free lesson times" in line for line in lead.fit)
    best = proposals.proposal_times(db, actor=evening_tutor, enquiry_id=evening.id, now=NOW)
    starts = [datetime.fromisoformat(p.start) for p in best.proposals]
    assert starts and all(t.weekday() == 2 and 18 <= t.hour < 20 for t in starts)


def test_times_are_in_the_students_zone(db, make_user, evening_tutor):
    student = make_user(Role.STUDENT)
    _save_windows(db, student, [(0, "09:00", "10:00")], zone="Asia/Kolkata")
    # 23:30–01:30 UTC would cross midnight; 23:00–24:00 Kolkata is 17:30–18:30 UTC: the tutor's evening.
    out = _post(db, student, windows=[{"weekday": 1, "start": "23:00", "end": "24:00"}], timezone=None)
    assert out.timezone == "Asia/Kolkata" and out.match_count == 1


def test_empty_times_mean_any_time(db, make_user, evening_tutor):
    student = make_user(Role.STUDENT)
    _save_windows(db, student, [(0, "08:00", "09:00")])
    out = _post(db, student, windows=[], timezone=None)
    assert out.windows == [] and out.match_count == 1


@pytest.mark.parametrize(("windows", "field"), [
    ([{"weekday": 7, "start": "10:00", "end": "11:00"}], "windows.0.weekday"),
    ([{"weekday": 0, "start": "10:00", "end": "11:00"}, {"weekday": 0, "start": "12:00", "end": "11:00"}],
     "windows.1.end"),
    ([{"weekday": 0, "start": "10:00", "end": "12:00"}, {"weekday": 0, "start": "11:00", "end": "13:00"}],
     "windows.1"),
    ([{"weekday": 0, "start": "10:15", "end": "11:00"}], "windows.0.start"),
    ([{"weekday": d % 7, "start": f"{h:02d}:00", "end": f"{h:02d}:30"} for d in range(7) for h in range(5)],
     "windows"),
    ("[not json", "windows"),
])
def test_bad_times_are_refused_on_the_range_they_concern(db, make_user, windows, field):
    student = make_user(Role.STUDENT)
    with pytest.raises(InvalidInput) as err:
        enquiries.post_enquiry(db, actor=student, data=enquiry_data(windows=windows), now=NOW)
    assert field in err.value.fields, err.value.fields
    assert db.query(Enquiry).count() == 0


def test_at_most_max_ranges(db, make_user, evening_tutor):
    student = make_user(Role.STUDENT)
    ranges = [{"weekday": d, "start": f"{h:02d}:00", "end": f"{h + 1:02d}:00"} for d in range(7) for h in range(4)]
    assert len(ranges) == MAX_RANGES
    assert _post(db, student, windows=ranges).id
    with pytest.raises(InvalidInput) as err:
        _post(db, student, windows=[*ranges, {"weekday": 0, "start": "20:00", "end": "21:00"}])
    assert "at most 28" in err.value.fields["windows"]


def test_the_form_asks_for_ranges_that_hold_a_whole_lesson(db, make_user, evening_tutor):
    student = make_user(Role.STUDENT)
    short = [{"weekday": 0, "start": "18:00", "end": "20:00"}, {"weekday": 1, "start": "18:00", "end": "18:30"}]
    with pytest.raises(InvalidInput) as err:
        enquiries.post_enquiry(db, actor=student, data=enquiry_data(windows=short), now=NOW, whole_lessons=True)
    assert err.value.fields == {"windows.1": "is shorter than one 60-minute lesson"}
    # Touching halves make one hour; the API (no flag) takes a short range, which matches nobody.
    touching = [{"weekday": 1, "start": "18:30", "end": "19:00"}, {"weekday": 1, "start": "18:00", "end": "18:30"}]
    out = enquiries.post_enquiry(db, actor=student, data=enquiry_data(windows=touching), now=NOW, whole_lessons=True)
    assert out.match_count == 1
    assert enquiries.post_enquiry(db, actor=student, data=enquiry_data(windows=short[1:]), now=NOW).match_count == 0

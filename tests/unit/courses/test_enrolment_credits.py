"""A course paid with lesson-time credits: its price in minutes (price in the tutor's rate currency ÷ hourly
rate × 60, rounded up), minutes taken from the oldest-expiring lots into the enrolment's escrow, 402 when
short, refunds back into the same lots, the tutor paid the course price after the window (as for class
seats paid with credits), one enrolment and one spend under double clicks and concurrent calls."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.support.courses import chapter_body, course_body, give_video
from tutorhub.db import session_scope
from tutorhub.models import (
    Course,
    CourseCreditSpend,
    CourseEnrolment,
    CreditLot,
    ExchangeRate,
    GuardianLink,
    LotSource,
    Role,
    TutorProfile,
)
from tutorhub.services.billing import credits
from tutorhub.services.billing.credits import InsufficientCredits
from tutorhub.services.checkout.course_payments import course_escrow
from tutorhub.services.courses import building, course_credits, enrolment, queries, stats, watching
from tutorhub.services.errors import Conflict, DomainError, Forbidden, InvalidInput, NotAuthenticated, NotFound
from tutorhub.services.money import ledger
from tutorhub.services.money.money_settings import get_money_settings
from tutorhub.services.money.payouts import earnings_account
from tutorhub.services.ops.ledger_verify import verify_ledger

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PRICE = 5000  # EUR cents; the tutor's rate is 30.00 EUR an hour → 100 minutes
MINUTES = 100


def minutes_of(db, user) -> int:
    return ledger.balance(db, credits.credits_account(user.id), "MIN")


def grant(db, user, amount: int, *, days: int = 30, ref: str = "") -> None:
    credits.grant_lot(db, user_id=user.id, minutes=amount, source=LotSource.ADMIN,
                      source_ref=ref or f"t:{user.id}:{days}:{amount}", expires_at=NOW + timedelta(days=days), now=NOW)
    db.commit()


def lots(db, user) -> dict[str, int]:
    return {lot.source_ref: lot.remaining for lot in db.exec(select(CreditLot).where(CreditLot.user_id == user.id))}


@pytest.fixture
def world(db, make_approved_tutor, make_user):
    tutor, _ = make_approved_tutor(timezone="UTC")  # hourly_rate 3000 EUR
    cid = building.create_course(db, actor=tutor, data=course_body(price_minor=PRICE), now=NOW)["id"]
    chapters = [building.add_chapter(db, actor=tutor, course_id=cid, data=chapter_body(title=f"C{i}"))["id"]
                for i in range(2)]
    for ch in chapters:
        give_video(db, cid, ch)
    building.publish_course(db, actor=tutor, course_id=cid, now=NOW)
    student = make_user(Role.STUDENT)
    db.commit()
    return tutor, student, cid, chapters


def test_the_price_in_minutes_is_converted_divided_and_rounded_up(db, world, make_approved_tutor):
    tutor, _, cid, _ = world
    course = db.get(Course, cid)
    assert course_credits.course_minutes(db, course) == MINUTES
    course.price_minor = PRICE + 1  # 100.02 minutes → 101
    assert course_credits.course_minutes(db, course) == MINUTES + 1
    course.price_minor = 1  # a cent still costs a whole minute
    assert course_credits.course_minutes(db, course) == 1
    course.price_minor = 0  # free: no payment at all
    assert course_credits.course_minutes(db, course) is None
    course.price_minor, course.currency = 5000, "USD"  # converted into the tutor's EUR at the platform's rates
    db.merge(ExchangeRate(code="EUR", per_usd_millionths=500_000))  # 1 USD = 0.5 EUR
    db.flush()
    assert course_credits.course_minutes(db, course) == 50  # 25.00 EUR at 30.00 EUR/h
    db.rollback()


def test_credits_pay_from_the_oldest_expiring_lots_into_the_escrow(db, world):
    _, student, cid, chapters = world
    grant(db, student, 60, days=10, ref="soon")
    grant(db, student, 80, days=50, ref="later")
    page = queries.get_course(db, viewer=student, course_id=cid, now=NOW)
    assert (page.credit_price_minutes, page.credits_minutes) == (MINUTES, 140)
    out = enrolment.enrol(db, actor=student, course_id=cid, method="credits", now=NOW)
    assert out["status"] == "ACTIVE"
    row = db.get(CourseEnrolment, out["enrolment_id"])
    assert (row.method, row.price_minor, row.currency) == ("credits", PRICE, "EUR")
    assert lots(db, student) == {"soon": 0, "later": 40}
    spends = db.exec(select(CourseCreditSpend).where(CourseCreditSpend.enrolment_id == row.id)).all()
    assert sorted(s.minutes for s in spends) == [40, 60]
    assert ledger.balance(db, course_escrow(row.id), "MIN") == MINUTES
    assert ledger.balance(db, course_escrow(row.id), "EUR") == 0  # no money moved
    assert watching.video_url(db, viewer=student, course_id=cid, chapter_id=chapters[1], now=NOW)
    db.commit()
    assert verify_ledger(db, now=NOW) == []


def test_short_credits_are_402_and_leave_nothing_behind(db, world):
    _, student, cid, _ = world
    grant(db, student, MINUTES - 1)
    with pytest.raises(InsufficientCredits) as err:
        enrolment.enrol(db, actor=student, course_id=cid, method="credits", now=NOW)
    assert err.value.status_code == 402
    assert err.value.extra == {"needed_minutes": MINUTES, "available_minutes": MINUTES - 1}
    db.rollback()
    assert db.exec(select(CourseEnrolment).where(CourseEnrolment.student_id == student.id)).all() == []
    assert minutes_of(db, student) == MINUTES - 1
    assert db.exec(select(CourseCreditSpend)).all() == []


def test_a_refund_returns_the_minutes_to_the_same_lots(db, world):
    _, student, cid, chapters = world
    grant(db, student, 60, days=10, ref="soon")
    grant(db, student, 80, days=50, ref="later")
    out = enrolment.enrol(db, actor=student, course_id=cid, method="credits", now=NOW)
    watching.record_progress(db, actor=student, course_id=cid, chapter_id=chapters[0], position_s=30, duration_s=100,
                             now=NOW)  # 15 %
    refunded = enrolment.request_refund(db, actor=student, course_id=cid, now=NOW + timedelta(days=2))
    assert refunded == {"status": "REFUNDED", "refunded_minor": 0, "currency": "EUR", "refunded_minutes": MINUTES}
    assert lots(db, student) == {"soon": 60, "later": 80}
    assert ledger.balance(db, course_escrow(out["enrolment_id"]), "MIN") == 0
    assert enrolment.release_due(db, now=NOW + timedelta(days=9)) == 0
    db.commit()
    assert verify_ledger(db, now=NOW + timedelta(days=9)) == []
    with pytest.raises(Forbidden):  # access ended with the refund
        watching.video_url(db, viewer=student, course_id=cid, chapter_id=chapters[1], now=NOW + timedelta(days=2))


def test_minutes_refunded_into_an_expired_lot_expire_again(db, world):
    _, student, cid, _ = world
    grant(db, student, MINUTES, days=2, ref="short")
    enrolment.enrol(db, actor=student, course_id=cid, method="credits", now=NOW)
    later = NOW + timedelta(days=3)  # the lot expired meanwhile; still inside the 7-day window
    assert enrolment.request_refund(db, actor=student, course_id=cid, now=later)["refunded_minutes"] == MINUTES
    lot = db.exec(select(CreditLot).where(CreditLot.user_id == student.id)).one()
    assert (lot.remaining, lot.expired_minutes) == (0, MINUTES)
    assert minutes_of(db, student) == 0
    db.commit()
    assert verify_ledger(db, now=later) == []


def test_no_refund_after_20_percent_watched_and_the_tutor_is_paid_the_price(db, world):
    tutor, student, cid, chapters = world
    grant(db, student, MINUTES)
    out = enrolment.enrol(db, actor=student, course_id=cid, method="credits", now=NOW)
    watching.record_progress(db, actor=student, course_id=cid, chapter_id=chapters[0], position_s=40, duration_s=100,
                             now=NOW)
    with pytest.raises(Conflict, match="20 %"):
        enrolment.request_refund(db, actor=student, course_id=cid, now=NOW + timedelta(days=1))
    [money] = stats.tutor_course_earnings(db, actor=tutor)
    assert (money.currency, money.in_refund_window_minor, money.earned_minor, money.sales) == ("EUR", PRICE, 0, 1)
    assert enrolment.release_due(db, now=NOW + timedelta(days=7)) == 1
    fee = round(PRICE * get_money_settings(db).commission_percent / 100)
    assert ledger.balance(db, earnings_account(tutor.id), "EUR") == PRICE - fee
    assert ledger.balance(db, course_escrow(out["enrolment_id"]), "MIN") == 0
    assert enrolment.release_due(db, now=NOW + timedelta(days=8)) == 0  # once
    assert ledger.balance(db, earnings_account(tutor.id), "EUR") == PRICE - fee
    [money] = stats.tutor_course_earnings(db, actor=tutor)
    assert (money.in_refund_window_minor, money.earned_minor, money.sales) == (0, PRICE - fee, 1)
    db.commit()
    assert verify_ledger(db, now=NOW + timedelta(days=8)) == []


def test_a_double_click_enrols_once_and_spends_once(db, world):
    _, student, cid, _ = world
    grant(db, student, 3 * MINUTES)
    out = enrolment.enrol(db, actor=student, course_id=cid, method="credits", now=NOW)
    db.commit()
    with pytest.raises(Conflict, match="already enrolled"):
        enrolment.enrol(db, actor=student, course_id=cid, method="credits", now=NOW)
    db.rollback()
    row = db.get(CourseEnrolment, out["enrolment_id"])
    assert course_credits.charge_credits(db, row, db.get(Course, cid), now=NOW) == 0  # a replayed charge
    assert minutes_of(db, student) == 2 * MINUTES


def test_concurrent_enrols_make_one_enrolment_and_one_spend(db, world):
    _, student, cid, _ = world
    grant(db, student, 3 * MINUTES)
    barrier, results = threading.Barrier(2), []

    def run() -> None:
        barrier.wait()
        try:
            with session_scope() as session:
                results.append(enrolment.enrol(session, actor=student, course_id=cid, method="credits", now=NOW)["status"])
        except DomainError as exc:
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["ACTIVE", "Conflict"]
    db.rollback()
    assert len(db.exec(select(CourseEnrolment).where(CourseEnrolment.student_id == student.id)).all()) == 1
    assert minutes_of(db, student) == 2 * MINUTES
    assert verify_ledger(db, now=NOW) == []


def test_strangers_bad_ids_unpublished_and_drafts(db, world, make_user, make_approved_tutor):
    tutor, student, cid, _ = world
    grant(db, student, 3 * MINUTES)
    other_tutor, _ = make_approved_tutor()
    draft = building.create_course(db, actor=other_tutor, data=course_body(), now=NOW)["id"]
    for bad in ("x", -1, 0, 10**20, None, [cid], "1" * 5000, draft):  # nonsense, huge, someone else's draft
        with pytest.raises((NotFound, InvalidInput)):
            enrolment.enrol(db, actor=student, course_id=bad, method="credits", now=NOW)
    for bad in (1, ["credits"], "CREDITS", None, "x" * 5000):
        with pytest.raises(InvalidInput):
            enrolment.enrol(db, actor=student, course_id=cid, method=bad, now=NOW)
    with pytest.raises(NotAuthenticated):
        enrolment.enrol(db, actor=None, course_id=cid, method="credits", now=NOW)
    with pytest.raises(Forbidden):  # tutors (even the course's own) do not enrol
        enrolment.enrol(db, actor=tutor, course_id=cid, method="credits", now=NOW)
    with pytest.raises(Forbidden):
        course_credits.pay_options(db, actor=tutor, course_id=cid, now=NOW)
    admin = make_user(Role.ADMIN)
    building.unpublish_course(db, actor=admin, course_id=cid, reason="copyright", now=NOW)
    with pytest.raises((NotFound, Conflict)):
        enrolment.enrol(db, actor=student, course_id=cid, method="credits", now=NOW)
    with pytest.raises((NotFound, Conflict)):
        course_credits.pay_options(db, actor=student, course_id=cid, now=NOW)
    db.rollback()
    assert minutes_of(db, student) == 3 * MINUTES
    assert db.exec(select(CourseEnrolment)).all() == []


def test_a_tutor_without_an_hourly_rate_has_no_minute_price(db, world):
    _, student, cid, _ = world
    grant(db, student, 3 * MINUTES)
    profile = db.get(TutorProfile, db.get(Course, cid).tutor_id)
    profile.hourly_rate = 0
    db.add(profile)
    db.commit()
    with pytest.raises(DomainError) as err:
        enrolment.enrol(db, actor=student, course_id=cid, method="credits", now=NOW)
    assert err.value.status_code == 422
    db.rollback()
    assert queries.get_course(db, viewer=student, course_id=cid).credit_price_minutes is None
    assert course_credits.pay_options(db, actor=student, course_id=cid, now=NOW).course_minutes is None


def test_a_guardian_pays_with_the_linked_childs_credits(db, world, make_user):
    _, child, cid, chapters = world
    guardian, stranger_child = make_user(Role.GUARDIAN), make_user(Role.STUDENT)
    db.add(GuardianLink(student_id=child.id, guardian_email=guardian.email or "", guardian_id=guardian.id,
                        status="active", expires_at=NOW + timedelta(days=1)))
    db.commit()
    grant(db, child, MINUTES + 5)
    grant(db, stranger_child, MINUTES)
    for who in (stranger_child.id, None, "x", 10**20):
        with pytest.raises(NotFound):
            enrolment.enrol(db, actor=guardian, course_id=cid, method="credits", student_id=who, now=NOW)
        with pytest.raises(NotFound):
            course_credits.pay_options(db, actor=guardian, course_id=cid, student_id=who, now=NOW)
    options = course_credits.pay_options(db, actor=guardian, course_id=cid, student_id=child.id, now=NOW)
    assert (options.course_minutes, options.credit_minutes) == (MINUTES, MINUTES + 5)
    out = enrolment.enrol(db, actor=guardian, course_id=cid, method="credits", student_id=child.id, now=NOW)
    assert out["status"] == "ACTIVE" and minutes_of(db, child) == 5 and minutes_of(db, stranger_child) == MINUTES
    assert watching.video_url(db, viewer=child, course_id=cid, chapter_id=chapters[1], now=NOW)
    refunded = enrolment.request_refund(db, actor=guardian, course_id=cid, student_id=child.id,
                                        now=NOW + timedelta(days=1))
    assert refunded["refunded_minutes"] == MINUTES and minutes_of(db, child) == MINUTES + 5
    db.commit()
    assert verify_ledger(db, now=NOW + timedelta(days=1)) == []

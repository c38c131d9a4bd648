"""A course sale's money: wallet → escrow:course_enrolment:{id}; refunded in full within 7 days when under
20 % was watched; after the window the release job pays the tutor price − commission and the platform the
commission, once. The ledger verifier stays clean throughout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.support.courses import WEBM, chapter_body, course_body
from tests.support.money import fund_wallet
from tutorhub.integrations.storage import get_local_video_store
from tutorhub.models import CourseChapter, CourseEnrolment, Role, VideoStatus
from tutorhub.services.checkout.course_payments import course_escrow
from tutorhub.services.courses import building, enrolment, stats, watching
from tutorhub.services.errors import Conflict, Forbidden
from tutorhub.services.money import ledger
from tutorhub.services.money.money_settings import get_money_settings
from tutorhub.services.money.payments import wallet_account
from tutorhub.services.money.payouts import earnings_account
from tutorhub.services.ops.ledger_verify import verify_ledger

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def world(db, make_approved_tutor, make_user):
    tutor, _ = make_approved_tutor(timezone="UTC")
    cid = building.create_course(db, actor=tutor, data=course_body(price_minor=5000), now=NOW)["id"]
    chapters = [building.add_chapter(db, actor=tutor, course_id=cid, data=chapter_body(title=f"C{i}"))["id"]
                for i in range(2)]
    store = get_local_video_store()
    for ch in chapters:  # a ready video as a completed upload leaves it
        key = f"courses/{cid}/chapters/{ch}/seed"
        store.path(key).parent.mkdir(parents=True, exist_ok=True)
        store.path(key).write_bytes(WEBM)
        row = db.get(CourseChapter, ch)
        row.video_key, row.video_type, row.video_size, row.video_status = key, "video/webm", len(WEBM), VideoStatus.READY
        db.add(row)
    building.publish_course(db, actor=tutor, course_id=cid, now=NOW)
    student = make_user(Role.STUDENT)
    fund_wallet(db, student.id, 8000, "EUR")
    db.commit()
    return tutor, student, cid, chapters


def test_wallet_sale_is_held_then_released_net_of_commission(db, world):
    tutor, student, cid, _ = world
    out = enrolment.enrol(db, actor=student, course_id=cid, method="wallet", now=NOW)
    assert out["status"] == "ACTIVE"
    assert ledger.balance(db, wallet_account(student.id), "EUR") == 3000
    assert ledger.balance(db, course_escrow(out["enrolment_id"]), "EUR") == 5000
    assert enrolment.release_due(db, now=NOW + timedelta(days=6, hours=23)) == 0  # still in the refund window
    [money] = stats.tutor_course_earnings(db, actor=tutor)
    assert (money.in_refund_window_minor, money.earned_minor, money.sales) == (5000, 0, 1)
    assert enrolment.release_due(db, now=NOW + timedelta(days=7)) == 1
    percent = get_money_settings(db).commission_percent
    fee = round(5000 * percent / 100)
    assert ledger.balance(db, earnings_account(tutor.id), "EUR") == 5000 - fee
    assert ledger.balance(db, course_escrow(out["enrolment_id"]), "EUR") == 0
    assert enrolment.release_due(db, now=NOW + timedelta(days=8)) == 0  # once
    [money] = stats.tutor_course_earnings(db, actor=tutor)
    assert (money.in_refund_window_minor, money.earned_minor, money.sales) == (0, 5000 - fee, 1)
    with pytest.raises(Forbidden):
        stats.tutor_course_earnings(db, actor=student)
    assert ledger.balance(db, earnings_account(tutor.id), "EUR") == 5000 - fee
    with pytest.raises(Conflict):
        enrolment.request_refund(db, actor=student, course_id=cid, now=NOW + timedelta(days=8))
    assert verify_ledger(db, now=NOW + timedelta(days=8)) == []


def test_refund_within_the_window_under_20_percent_watched(db, world):
    _, student, cid, chapters = world
    out = enrolment.enrol(db, actor=student, course_id=cid, method="wallet", now=NOW)
    watching.record_progress(db, actor=student, course_id=cid, chapter_id=chapters[0], position_s=30, duration_s=100,
                             now=NOW)  # 15 % of the course
    refunded = enrolment.request_refund(db, actor=student, course_id=cid, now=NOW + timedelta(days=2))
    assert refunded == {"status": "REFUNDED", "refunded_minor": 5000, "currency": "EUR"}
    assert ledger.balance(db, wallet_account(student.id), "EUR") == 8000
    assert ledger.balance(db, course_escrow(out["enrolment_id"]), "EUR") == 0
    assert enrolment.release_due(db, now=NOW + timedelta(days=9)) == 0  # nothing left to release
    with pytest.raises(Forbidden):  # access ended with the refund
        watching.video_url(db, viewer=student, course_id=cid, chapter_id=chapters[1], now=NOW + timedelta(days=2))
    again = enrolment.enrol(db, actor=student, course_id=cid, method="wallet", now=NOW + timedelta(days=3))
    assert again["status"] == "ACTIVE" and again["enrolment_id"] != out["enrolment_id"]  # may buy again
    assert verify_ledger(db, now=NOW + timedelta(days=3)) == []


def test_no_refund_after_watching_20_percent(db, world):
    _, student, cid, chapters = world
    enrolment.enrol(db, actor=student, course_id=cid, method="wallet", now=NOW)
    watching.record_progress(db, actor=student, course_id=cid, chapter_id=chapters[0], position_s=40, duration_s=100,
                             now=NOW)  # 20 % of the course
    with pytest.raises(Conflict, match="20 %"):
        enrolment.request_refund(db, actor=student, course_id=cid, now=NOW + timedelta(days=1))
    assert ledger.balance(db, wallet_account(student.id), "EUR") == 3000


def test_short_wallet_leaves_no_enrolment(db, world, make_user):
    _, _, cid, _ = world
    poor = make_user(Role.STUDENT)
    with pytest.raises(ledger.InsufficientFunds):
        enrolment.enrol(db, actor=poor, course_id=cid, method="wallet", now=NOW)
    db.rollback()
    assert db.exec(select(CourseEnrolment).where(CourseEnrolment.student_id == poor.id)).all() == []


def test_completion_at_90_percent_and_position_kept(db, world):
    _, student, cid, chapters = world
    enrolment.enrol(db, actor=student, course_id=cid, method="wallet", now=NOW)
    first = watching.record_progress(db, actor=student, course_id=cid, chapter_id=chapters[0], position_s=89.9,
                                     duration_s=100, now=NOW)
    assert first["completed"] is False
    done = watching.record_progress(db, actor=student, course_id=cid, chapter_id=chapters[0], position_s=90,
                                    duration_s=100, now=NOW)
    assert done["completed"] is True and done["course_progress_percent"] == 50
    back = watching.record_progress(db, actor=student, course_id=cid, chapter_id=chapters[0], position_s=5,
                                    duration_s=100, now=NOW)  # seeking back keeps it complete
    assert back == {"position_s": 5.0, "completed": True, "course_progress_percent": 50}


def test_the_verifier_flags_money_left_in_a_settled_sale(db, world):
    _, student, cid, _ = world
    out = enrolment.enrol(db, actor=student, course_id=cid, method="wallet", now=NOW)
    enrolment.release_due(db, now=NOW + timedelta(days=7))
    fund_wallet(db, student.id, 100, "EUR")
    ledger.post(db, kind="course_payment", idempotency_key="stray", now=NOW + timedelta(days=7),
                lines=[ledger.Line(wallet_account(student.id), 100, "EUR"),
                       ledger.Line(course_escrow(out["enrolment_id"]), -100, "EUR")])
    problems = verify_ledger(db, now=NOW + timedelta(days=8))
    assert [p.code for p in problems] == ["settled_escrow"] and "course sale" in str(problems[0])


def test_a_guardian_buys_for_a_linked_child_and_gets_the_refund(db, world, make_user):
    from tutorhub.models import GuardianLink
    from tutorhub.services.errors import NotFound

    _, child, cid, chapters = world
    guardian, stranger_child = make_user(Role.GUARDIAN), make_user(Role.STUDENT)
    db.add(GuardianLink(student_id=child.id, guardian_email=guardian.email or "", guardian_id=guardian.id,
                        status="active", expires_at=NOW + timedelta(days=1)))
    fund_wallet(db, guardian.id, 6000, "EUR")
    db.commit()
    with pytest.raises(NotFound):  # not their child
        enrolment.enrol(db, actor=guardian, course_id=cid, method="wallet", student_id=stranger_child.id, now=NOW)
    with pytest.raises(NotFound):  # a guardian must say for whom
        enrolment.enrol(db, actor=guardian, course_id=cid, method="wallet", now=NOW)
    out = enrolment.enrol(db, actor=guardian, course_id=cid, method="wallet", student_id=child.id, now=NOW)
    assert out["status"] == "ACTIVE"
    assert ledger.balance(db, wallet_account(guardian.id), "EUR") == 1000
    assert ledger.balance(db, wallet_account(child.id), "EUR") == 8000  # the child's own money untouched
    assert watching.video_url(db, viewer=child, course_id=cid, chapter_id=chapters[1], now=NOW)  # the child watches
    refunded = enrolment.request_refund(db, actor=guardian, course_id=cid, student_id=child.id,
                                        now=NOW + timedelta(days=1))
    assert refunded["refunded_minor"] == 5000 and ledger.balance(db, wallet_account(guardian.id), "EUR") == 6000
    assert verify_ledger(db, now=NOW + timedelta(days=1)) == []


def test_an_unpaid_gateway_enrolment_expires_and_a_late_payment_goes_to_the_wallet(db, world):
    from tutorhub.models import Payment
    from tutorhub.services.checkout.course_payments import fund_enrolment_from_payment

    _, student, cid, _ = world
    out = enrolment.enrol(db, actor=student, course_id=cid, method="gateway", now=NOW)
    assert out["status"] == "PENDING" and out["checkout_url"]
    assert enrolment.expire_pending(db, now=NOW + timedelta(hours=23)) == 0
    assert enrolment.expire_pending(db, now=NOW + timedelta(hours=24)) == 1
    payment = db.exec(select(Payment)).one()
    assert fund_enrolment_from_payment(db, payment, now=NOW + timedelta(hours=25)) is False
    again = enrolment.enrol(db, actor=student, course_id=cid, method="wallet", now=NOW + timedelta(hours=26))
    assert again["status"] == "ACTIVE" and again["enrolment_id"] != out["enrolment_id"]


def _provider_refund(db, payment, amount: int, when) -> None:
    from tutorhub.integrations.payments import EventKind, GatewayEvent
    from tutorhub.services.checkout import events

    events.apply_gateway_event(db, GatewayEvent(
        gateway=payment.gateway, event_id=f"evt_re_{amount}", kind=EventKind.REFUND_SUCCEEDED,
        raw_type="refund.succeeded", reference=payment.reference, gateway_ref=payment.gateway_ref,
        amount_minor=amount, currency=payment.currency, occurred_at=when, data={"refund_id": f"re_{amount}"}), now=when)


@pytest.mark.parametrize("refunded", [5000, 2000])
def test_a_refund_made_at_the_provider_is_not_paid_again_by_us_or_to_the_tutor(db, world, refunded):
    from tests.support.credits import pay
    from tutorhub.models import Payment

    tutor, student, cid, _ = world
    out = enrolment.enrol(db, actor=student, course_id=cid, method="gateway", now=NOW)
    payment = db.exec(select(Payment)).one()
    pay(db, payment.reference, NOW)
    db.refresh(payment)
    _provider_refund(db, payment, refunded, NOW + timedelta(days=1))
    _provider_refund(db, payment, refunded, NOW + timedelta(days=1))  # replayed
    row = db.get(CourseEnrolment, out["enrolment_id"])
    assert ledger.balance(db, course_escrow(row.id), "EUR") == 5000 - refunded
    assert ledger.balance(db, "refunds", "EUR") == 0
    if refunded == 5000:
        assert row.status == "REFUNDED"  # access ends, as after our own refund
        with pytest.raises(Conflict):
            enrolment.request_refund(db, actor=student, course_id=cid, now=NOW + timedelta(days=2))
    else:
        assert row.status == "ACTIVE"
        assert enrolment.request_refund(db, actor=student, course_id=cid,
                                        now=NOW + timedelta(days=2))["refunded_minor"] == 3000
    assert ledger.balance(db, wallet_account(student.id), "EUR") == 8000 + (0 if refunded == 5000 else 3000)
    enrolment.release_due(db, now=NOW + timedelta(days=8))
    assert ledger.balance(db, earnings_account(tutor.id), "EUR") == 0
    assert verify_ledger(db, now=NOW + timedelta(days=8)) == []

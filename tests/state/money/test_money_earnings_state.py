"""The tutor's earnings page and the admin money pages: escrow → settlement → earnings minus
commission, payout request (minimum, more than available), admin approve / reject, disputes
resolved with a refund, the finance overview, money settings, the catalogue — and every
mutating handler called by people who may not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col

from tests.state.conftest import count, fetch, redirects, toasts
from tests.support.booking_world import day_ahead, make_world
from tutorhub.models.bookings import Booking
from tutorhub.models.credits import MinutePack, Plan, PromoCode
from tutorhub.models.money import MoneySettings, Payout
from tutorhub.services.booking import timeouts as booking_jobs
from tutorhub.services.checkout import escrow
from tutorhub.services.learning import lessons
from tutorhub.services.money.payout_accounts import connect_payout_account
from tutorhub.state.billing.catalog import AdminCatalogState
from tutorhub.state.learning.lesson_changes import LessonChangeState
from tutorhub.state.money.admin_finance import AdminDisputesState, AdminFinanceState, AdminPayoutsState
from tutorhub.state.money.earnings import EarningsState


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    return make_world(db, make_user, make_approved_tutor, instant=True)


def _teach(world, days: int = 2, *, settle: bool = True) -> Booking:
    """A paid 60-minute €30 lesson, taught; settled 49 h later unless asked not to."""
    b = world.book(day_ahead(days))
    start = b.start
    lessons.start_lesson(world.db, actor=world.tutor, booking_id=b.id, now=start)
    lessons.complete_lesson(world.db, actor=world.tutor, booking_id=b.id, now=start + timedelta(minutes=60))
    if settle:
        later = start + timedelta(hours=50)
        booking_jobs.run_quarter_hourly(world.db, now=later)
        escrow.run_money_jobs(world.db, now=later)
    connect_payout_account(world.db, actor=world.tutor, gateway="sandbox")  # the sandbox's: verified at once
    world.db.commit()
    return b


def test_tutor_sees_escrow_then_earnings_minus_commission_and_a_chart(browser, world):
    world.book(day_ahead(3))  # paid, not taught yet: held in escrow
    _teach(world)
    page, _ = browser.open(EarningsState, "/earnings", world.tutor.email)
    assert page.status == "ready" and page.currency == "EUR"
    assert (page.held, page.available, page.commission, page.paid_out) == ("€30", "€24", "€6", "€0")
    assert page.commission_percent == 20 and page.payout_min == "€10"
    assert len(page.points) == 1 and page.points[0]["a"] == 24.0 and page.points[0]["b"] == 6.0
    assert page.months and len(page.months) == 12


def test_payout_minimum_and_available_are_inline_then_admin_approves(browser, new_browser, world):
    _teach(world)
    page, _ = browser.open(EarningsState, "/earnings", world.tutor.email)
    browser.run(page.request_payout({"amount": "5"}))
    assert page.payout_errors == {"amount": "must be at least €10"} and count(Payout) == 0
    browser.run(page.request_payout({"amount": "nope"}))
    assert "amount" in page.payout_errors and count(Payout) == 0
    browser.run(page.request_payout({"amount": "25"}))
    assert "available" in page.payout_errors.get("amount", "") and count(Payout) == 0
    events = browser.run(page.request_payout({"amount": "24"}))
    assert toasts(events, "success") and [p.status for p in page.payouts] == ["requested"]
    assert page.available == "€0"

    admin_tab = new_browser()
    admin, _ = admin_tab.open(AdminPayoutsState, "/admin/payouts", world.admin.email)
    [row] = admin.rows
    assert row.amount == "€24" and row.tutor and row.status == "requested"
    events = admin_tab.run(admin.decide(row.id, "reject"))  # a rejection needs a note
    assert toasts(events, "error") and fetch(Payout)[0].status == "requested"
    admin_tab.run(admin.set_note(row.id, "bank details checked"))
    admin_tab.run(admin.decide(row.id, "approve"))  # first the confirmation: the amount and who receives it
    assert admin.confirm_title == f"Approve and pay €24 to {row.tutor}?" and fetch(Payout)[0].status == "requested"
    admin_tab.run(admin.cancel_confirm())
    assert admin.confirm_title == "" and fetch(Payout)[0].status == "requested"
    admin_tab.run(admin.decide(row.id, "approve_manual"))
    assert "already sent €24" in admin.confirm_text
    admin_tab.run(admin.decide(row.id, "approve"))
    admin_tab.run(admin.confirm_decision())
    assert fetch(Payout)[0].status == "paid" and admin.rows == []
    browser.run(page.load())
    assert page.payouts[0].status_label == "Paid" and page.paid_out == "€24"


def test_admin_rejects_with_a_note_and_the_money_is_available_again(browser, new_browser, world):
    _teach(world)
    page, _ = browser.open(EarningsState, "/earnings", world.tutor.email)
    browser.run(page.request_payout({"amount": "20"}))
    admin_tab = new_browser()
    admin, _ = admin_tab.open(AdminPayoutsState, "/admin/payouts", world.admin.email)
    admin_tab.run(admin.set_note(admin.rows[0].id, "wrong account"))
    admin_tab.run(admin.decide(admin.rows[0].id, "reject"))
    assert "goes back to" in admin.confirm_text and "€20" in admin.confirm_title
    admin_tab.run(admin.confirm_decision())
    assert fetch(Payout)[0].status == "rejected"
    browser.run(page.load())
    assert page.payouts[0].note == "wrong account" and page.available == "€24"


def test_statement_downloads_a_csv_of_the_month(browser, world):
    _teach(world)
    page, _ = browser.open(EarningsState, "/earnings", world.tutor.email)
    events = browser.run(page.download_statement({"month": page.months[0]}))
    assert any("data:text/csv" in str(getattr(e, "args", "")) for e in events)
    assert toasts(browser.run(page.download_statement({"month": "1999-01"})), "error")


def test_tutor_buys_lead_credits_from_earnings(browser, world):
    _teach(world)
    page, _ = browser.open(EarningsState, "/earnings", world.tutor.email)
    assert page.lead_balance == 0 and page.lead_price == "€2"
    browser.run(page.set_lead_method("earnings"))
    for bad in ("0", "²", "lots"):  # inline refusals, never a crash
        browser.run(page.buy_leads({"quantity": bad}))
        assert page.lead_errors.get("quantity") and page.lead_balance == 0
    browser.run(page.buy_leads({"quantity": "13"}))  # €26: more than the €24 available
    assert "available" in page.lead_errors.get("quantity", "") and page.lead_balance == 0
    events = browser.run(page.buy_leads({"quantity": "3"}))
    assert toasts(events, "success") and page.lead_errors == {}
    assert page.lead_balance == 3 and page.available == "€18"


def test_admin_resolves_a_dispute_with_a_partial_refund(browser, new_browser, world):
    b = _teach(world, settle=False)
    lessons.dispute_lesson(world.db, actor=world.student, booking_id=b.id, reason="half the lesson was lost",
                           now=b.start + timedelta(hours=2))
    world.db.commit()
    page, _ = browser.open(AdminDisputesState, "/admin/disputes", world.admin.email)
    [row] = page.rows
    assert row.id == b.id and row.price
    assert row.reason == "half the lesson was lost"  # the admin decides knowing what the student said
    assert row.ran.startswith("Booked 1 h · ")  # …and how long the lesson really ran
    browser.run(page.resolve(b.id, "partial"))  # no percent typed yet
    assert page.errors and fetch(Booking, col(Booking.id) == b.id)[0].status == "DISPUTED"
    browser.run(page.set_field(b.id, "percent", "50"))
    browser.run(page.set_field(b.id, "notes", "connection problems on both sides"))
    browser.run(page.resolve(b.id, "partial"))  # asks first, stating the amounts and who gets them
    assert page.confirm_title.startswith("Refund 50% (€15) to ")
    assert "receives €12" in page.confirm_text and "20% commission" in page.confirm_text
    assert fetch(Booking, col(Booking.id) == b.id)[0].status == "DISPUTED"
    events = browser.run(page.confirm_resolve())
    assert toasts(events, "success") and page.rows == []
    done = fetch(Booking, col(Booking.id) == b.id)[0]
    assert done.status == "SETTLED" and done.refund_percent == 50


def _disputed(world, days: int = 2) -> Booking:
    b = _teach(world, days, settle=False)
    lessons.dispute_lesson(world.db, actor=world.student, booking_id=b.id, reason="the tutor never came",
                           now=b.start + timedelta(hours=2))
    world.db.commit()
    return b


def test_admin_releases_a_disputed_lesson_to_the_tutor(browser, world):
    b = _disputed(world)
    page, _ = browser.open(AdminDisputesState, "/admin/disputes", world.admin.email)
    browser.run(page.set_field(b.id, "percent", "²"))  # not an ASCII number: an inline error, no crash
    browser.run(page.resolve(b.id, "partial"))
    assert page.errors and fetch(Booking, col(Booking.id) == b.id)[0].status == "DISPUTED"
    browser.run(page.resolve(b.id, "release"))  # no percent needed: nothing is refunded
    assert page.confirm_title.startswith("Release the lesson's money to ") and "receives €24" in page.confirm_text
    events = browser.run(page.confirm_resolve())
    assert toasts(events, "success") and page.errors == {} and page.rows == []
    done = fetch(Booking, col(Booking.id) == b.id)[0]
    assert done.status == "SETTLED" and done.refund_percent == 0


def test_finance_overview_settings_and_catalogue(browser, world):
    _teach(world)
    page, _ = browser.open(AdminFinanceState, "/admin/finance", world.admin.email)
    assert page.status == "ready" and page.currency == "EUR" and page.gmv == "€30"
    assert page.points and page.commission_percent == "20"
    browser.run(page.set_bucket("week"))
    assert page.bucket == "week" and page.points
    browser.run(page.set_bucket("year"))
    assert page.bucket == "week"
    for bad in ("120", "²"):  # out of range; a digit int() cannot read (used to crash the handler)
        browser.run(page.save_settings({"commission_percent": bad, "refund_destination": "wallet"}))
        assert page.settings_errors.get("commission_percent")
        assert all(m.commission_percent == 20 for m in fetch(MoneySettings))
    browser.run(page.save_settings({"commission_percent": "15", "refund_destination": "wallet"}))
    assert page.commission_percent == "15" and page.refund_destination == "wallet"

    catalog, _ = browser.open(AdminCatalogState, "/admin/catalog")
    browser.run(catalog.create_promo({"code": "SPRING", "kind": "percent", "percent": "15", "currency": "USD"}))
    browser.run(catalog.create_plan({"code": "basic", "name": "Basic", "minutes": "240", "price": "40",
                                     "currency": "USD"}))
    browser.run(catalog.create_pack({"code": "hour5", "name": "5 hours", "minutes": "300", "price": "60.00",
                                     "currency": "USD", "validity_days": "365"}))
    assert [r.code for r in catalog.promos] == ["SPRING"] and catalog.plans[0].price == "$40"
    assert catalog.packs[0].detail == "5 h · 365 days"
    browser.run(catalog.create_pack({"code": "bad", "name": "", "minutes": "5", "price": "1.234", "currency": "USD"}))
    assert "price" in catalog.pack_errors and count(MinutePack) == 1
    browser.run(catalog.set_active("pack", "hour5", False))
    assert catalog.packs[0].active is False


@pytest.mark.parametrize("who", ["student", "other_tutor", "admin", None])
def test_only_the_tutor_sees_or_moves_their_earnings(new_browser, world, who):
    _teach(world)
    b = new_browser()
    person = getattr(world, who) if who else None
    page, events = b.open(EarningsState, "/earnings", person.email if person else None)
    assert page.available != "€24" and page.held != "€0" and page.payouts == []  # never the tutor's figures
    assert page.status == "forbidden" or redirects(events) or who == "other_tutor"
    page._totals = {"EUR": {"available": 2400}}  # a tampered tab cannot borrow the tutor's numbers
    page._min_minor = 0
    b.run(page.request_payout({"amount": "24"}))
    assert count(Payout) == 0


@pytest.mark.parametrize("who", ["student", "tutor", None])
def test_non_admins_cannot_decide_payouts_disputes_settings_or_catalogue(browser, new_browser, world, who):
    b_paid = _teach(world, settle=True)
    tutor_page, _ = browser.open(EarningsState, "/earnings", world.tutor.email)
    browser.run(tutor_page.request_payout({"amount": "20"}))
    [payout] = fetch(Payout)
    b = new_browser()
    person = getattr(world, who) if who else None
    email = person.email if person else None
    payouts, events = b.open(AdminPayoutsState, "/admin/payouts", email)
    assert payouts.rows == [] and (payouts.status == "forbidden" or redirects(events))
    b.run(payouts.set_note(payout.id, "mine now"))
    b.run(payouts.decide(payout.id, "approve"))
    b.run(payouts.decide(payout.id, "approve_manual"))
    payouts._pending = (payout.id, "approve_manual")  # a tampered tab: the service still refuses
    b.run(payouts.confirm_decision())
    assert fetch(Payout)[0].status == "requested"
    disputes, _ = b.open(AdminDisputesState, "/admin/disputes")
    b.run(disputes.resolve(b_paid.id, "full"))
    assert fetch(Booking, col(Booking.id) == b_paid.id)[0].refund_percent == 0
    # ...and an open dispute (one an admin could resolve) stays open for them.
    d = _disputed(world, days=3)
    for outcome in ("full", "release"):
        b.run(disputes.resolve(d.id, outcome))
    assert disputes.confirm_title == ""  # no quote for them either
    disputes._pending = (d.id, 100, "")
    b.run(disputes.confirm_resolve())
    assert fetch(Booking, col(Booking.id) == d.id)[0].status == "DISPUTED"
    finance, _ = b.open(AdminFinanceState, "/admin/finance")
    assert finance.gmv == "" and finance.points == []
    b.run(finance.save_settings({"commission_percent": "1", "refund_destination": "wallet"}))
    assert all(m.commission_percent == 20 for m in fetch(MoneySettings))
    catalog, _ = b.open(AdminCatalogState, "/admin/catalog")
    b.run(catalog.create_promo({"code": "FREE", "kind": "percent", "percent": "100"}))
    b.run(catalog.create_plan({"code": "x", "name": "X", "minutes": "60", "price": "1", "currency": "USD"}))
    b.run(catalog.create_pack({"code": "y", "name": "Y", "minutes": "60", "price": "1", "currency": "USD"}))
    assert count(PromoCode) == 0 and count(Plan) == 0 and count(MinutePack) == 0


@pytest.mark.parametrize("garbage", [None, True, "1", 10**12, -1, ["x"]])
def test_admin_handlers_ignore_garbage_ids(browser, world, garbage):
    page, _ = browser.open(AdminPayoutsState, "/admin/payouts", world.admin.email)
    browser.run(page.set_note(garbage, "x"))
    browser.run(page.decide(garbage, "approve"))
    assert page._notes == {} and count(Payout) == 0


def _lesson_page(b, booking_id, email):
    b.login(email)
    b.goto(f"/lessons/{booking_id}", route="/lessons/[booking_id]")
    page = b.state(LessonChangeState)
    b.run(page.load())
    return page


def test_student_opens_a_dispute_from_the_lesson_page_and_admin_sees_it(browser, new_browser, world):
    lesson = _teach(world, settle=False)
    page = _lesson_page(browser, lesson.id, world.student.email)
    assert "dispute" in page.actions
    browser.run(page.dispute({"reason": ""}))  # a reason is required
    assert page.error and fetch(Booking, col(Booking.id) == lesson.id)[0].status == "COMPLETED"
    browser.run(page.dispute({"reason": "The tutor left after 20 minutes."}))
    assert page.b_status == "DISPUTED"
    admin_tab = new_browser()
    admin, _ = admin_tab.open(AdminDisputesState, "/admin/disputes", world.admin.email)
    assert [r.id for r in admin.rows] == [lesson.id]


@pytest.mark.parametrize("who", ["tutor", "other_student", "other_tutor"])
def test_only_the_student_can_dispute_a_completed_lesson(new_browser, world, who):
    lesson = _teach(world, settle=False)
    b = new_browser()
    page = _lesson_page(b, lesson.id, getattr(world, who).email)
    assert "dispute" not in page.actions
    b.run(page.dispute({"reason": "mine"}))
    assert fetch(Booking, col(Booking.id) == lesson.id)[0].status == "COMPLETED"


def test_earnings_are_also_shown_in_the_tutors_display_currency(browser, world):
    """A tutor who reads prices in £ sees "≈ £…" beside each € figure; what is paid out stays in €."""
    from tutorhub.services.accounts.display_currency import set_display_currency

    world.book(day_ahead(3))
    _teach(world)
    set_display_currency(world.db, actor=world.tutor, currency="GBP")
    world.db.commit()
    page, _ = browser.open(EarningsState, "/earnings", world.tutor.email)
    assert (page.held, page.available, page.commission) == ("€30", "€24", "€6")
    assert page.display_currency == "GBP"
    assert (page.approx["held"], page.approx["available"], page.approx["commission"], page.approx["paid_out"]) \
        == ("≈ £25.76", "≈ £20.61", "≈ £5.15", "≈ £0")
    browser.run(page.request_payout({"amount": "24"}))
    assert [(p.amount_minor, p.currency) for p in fetch(Payout)] == [(2400, "EUR")]

    set_display_currency(world.db, actor=world.tutor, currency="EUR")
    world.db.commit()
    browser.run(page.load())
    assert page.held == "€30" and set(page.approx.values()) == {""}  # the same currency: nothing beside it

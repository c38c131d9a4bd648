"""One plan-options rule: the label a plan gets on the wallet is the change `change_plan` makes.

The case that used to disagree: a plan with more minutes at the same monthly price was labelled
"upgrade" (more minutes) but scheduled by change_plan as a downgrade (not dearer)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.credits import catalogue, pay
from tutorhub.models import Role
from tutorhub.services.billing import credits, plan_options, plans, subscriptions
from tutorhub.services.errors import Forbidden
from tutorhub.services.money import ledger

T0 = datetime(2027, 1, 31, 12, 0, tzinfo=UTC)


def _subscribed(db, make_user, code="basic"):
    admin = catalogue(db, make_user)
    # Same $40 as basic, more minutes; and same $40 with fewer minutes.
    plans.create_plan(
        db,
        actor=admin,
        data={
            "code": "plus",
            "name": "Plus",
            "minutes_per_cycle": 300,
            "prices": [{"currency": "USD", "amount_minor": 4000}],
        },
    )
    plans.create_plan(
        db,
        actor=admin,
        data={
            "code": "slim",
            "name": "Slim",
            "minutes_per_cycle": 200,
            "prices": [{"currency": "USD", "amount_minor": 4000}],
        },
    )
    plans.create_plan(
        db,
        actor=admin,
        data={
            "code": "rupee",
            "name": "Rupee",
            "minutes_per_cycle": 900,
            "prices": [{"currency": "INR", "amount_minor": 100000}],
        },
    )
    student = make_user(Role.STUDENT)
    out = subscriptions.subscribe(db, actor=student, plan_code=code, currency="USD", now=T0)
    pay(db, out.payment_reference, T0)
    return student


def _labels(db, student) -> dict[str, str]:
    return {o.code: o.action for o in plan_options.plan_options(db, actor=student)}


@pytest.mark.parametrize(
    ("current", "new", "kind"),
    [
        ((4000, 240), (9000, 600), "upgrade"),  # dearer
        ((4000, 240), (5000, 100), "upgrade"),  # dearer, even with fewer minutes: the price decides
        ((4000, 240), (2500, 120), "downgrade"),  # cheaper
        ((4000, 240), (2500, 900), "downgrade"),  # cheaper, even with more minutes
        ((4000, 240), (4000, 300), "upgrade"),  # same price, more minutes
        ((4000, 240), (4000, 200), "downgrade"),  # same price, fewer minutes
        ((4000, 240), (4000, 240), "downgrade"),  # same price and minutes: nothing gained now
    ],
)
def test_change_kind_compares_price_then_minutes(current, new, kind):
    assert (
        plan_options.change_kind(
            current_price=current[0], current_minutes=current[1], new_price=new[0], new_minutes=new[1]
        )
        == kind
    )


def test_more_minutes_at_the_same_price_is_labelled_and_applied_as_an_upgrade(db, make_user):
    student = _subscribed(db, make_user)
    labels = _labels(db, student)
    assert labels == {
        "lite": "downgrade",
        "slim": "downgrade",
        "basic": "current",
        "plus": "upgrade",
        "pro": "upgrade",
        "rupee": "unavailable",
    }
    before = ledger.balance(db, credits.credits_account(student.id), "MIN")
    half = T0 + timedelta(days=14)  # 14 of the 28 days of February left
    change = subscriptions.change_plan(db, actor=student, plan_code="plus", now=half)
    # Applied as labelled: switched at once, nothing to pay, half of the 60 extra minutes now.
    assert (change.kind, change.charge_minor, change.checkout_url) == ("upgrade", 0, None)
    assert change.grant_minutes == 30 and change.effective_at == half
    assert ledger.balance(db, credits.credits_account(student.id), "MIN") == before + 30
    assert subscriptions.my_subscription(db, actor=student).plan_code == "plus"
    assert _labels(db, student)["plus"] == "current"


@pytest.mark.parametrize(
    ("code", "label"), [("lite", "downgrade"), ("slim", "downgrade"), ("plus", "upgrade"), ("pro", "upgrade")]
)
def test_every_label_is_the_change_change_plan_makes(db, make_user, code, label):
    student = _subscribed(db, make_user)
    assert _labels(db, student)[code] == label
    change = subscriptions.change_plan(db, actor=student, plan_code=code, now=T0 + timedelta(days=1))
    assert change.kind == label
    if label == "downgrade":
        assert _labels(db, student)[code] == "next"
    else:  # at once when free; a dearer plan waits for its (prorated) payment
        assert _labels(db, student)[code] == ("current" if change.charge_minor == 0 else "upgrade")


def test_without_a_subscription_every_plan_is_to_subscribe_and_only_students_ask(db, make_user):
    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    assert set(_labels(db, student).values()) == {"subscribe"}
    assert [o.code for o in plan_options.plan_options(db, actor=student)] == ["lite", "basic", "pro"]
    with pytest.raises(Forbidden):
        plan_options.plan_options(db, actor=make_user(Role.TUTOR))

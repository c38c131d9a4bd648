"""The demo shows display currencies working: students see prices in their own currency, the
admin's rate change is on /admin/rates and in the audit log."""

from sqlmodel import select

from tutorhub.demo.seed import seed_demo
from tutorhub.models import AuditEntry, ExchangeRate, User
from tutorhub.services.tutors.search import search_tutors


def test_demo_users_have_sensible_display_currencies(db):
    seed_demo(db)
    db.commit()
    by_email = {u.email: u.display_currency for u in db.exec(select(User)).all()}
    assert by_email["student1@tutorhub.test"] == "INR"
    assert by_email["student2@tutorhub.test"] == "EUR"
    assert by_email["student3@tutorhub.test"] == "USD"
    assert all(code for email, code in by_email.items() if email and email.startswith("tutor"))
    assert db.get(ExchangeRate, "INR").source == "admin"
    assert db.exec(select(AuditEntry).where(AuditEntry.action == "exchange_rate.set")).first() is not None
    page = search_tutors(db, display_currency="EUR", per_page=50)
    assert len({c.currency for c in page.items}) >= 3 and all(c.display_currency == "EUR" for c in page.items)
    assert page.total == search_tutors(db, display_currency="EUR", max_rate=10**8).total  # none dropped

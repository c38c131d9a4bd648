"""The demo seeds published classes (a wallet seat and a credits seat) and keeps the ledger clean."""

from __future__ import annotations

from tutorhub.demo.seed import seed_demo
from tutorhub.models import ClassEnrolment
from tutorhub.models.base import utcnow
from tutorhub.services.classes import queries
from tutorhub.services.ops.ledger_verify import verify_ledger


def test_the_demo_has_classes_to_find(db):
    seed_demo(db, tutors=12)
    db.commit()
    found = queries.search_classes(db)
    assert found.total == 3
    assert sum(c.capacity - c.seats_left for c in found.items) == 2
    seats = db.exec(ClassEnrolment.__table__.select()).all()  # type: ignore[attr-defined]
    assert sorted((s.method, s.unit) for s in seats) == [("credits", "MIN"), ("wallet", "EUR")]
    assert verify_ledger(db, now=utcnow()) == []

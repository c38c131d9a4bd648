"""The demo seeds published classes (one with a demo student enrolled) and keeps the ledger clean."""

from __future__ import annotations

from tutorhub.demo.seed import seed_demo
from tutorhub.models.base import utcnow
from tutorhub.services.classes import queries
from tutorhub.services.ops.ledger_verify import verify_ledger


def test_the_demo_has_classes_to_find(db):
    seed_demo(db, tutors=12)
    db.commit()
    found = queries.search_classes(db)
    assert found.total == 3
    assert any(c.seats_left == c.capacity - 1 for c in found.items)
    assert verify_ledger(db, now=utcnow()) == []

"""The admin audit log: entries ride the caller's transaction and only admins read them."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from tutorhub.models import AuditEntry
from tutorhub.services.accounts import audit
from tutorhub.services.errors import Forbidden, NotAuthenticated


def test_an_entry_commits_or_rolls_back_with_the_change(db, make_user):
    admin = make_user(role="admin")
    audit.record_admin_action(db, actor_id=admin.id, action="user.suspend", target_kind="user", target_id=7,
                              before={"is_suspended": False}, after={"is_suspended": True}, reason="fraud")
    db.rollback()
    assert db.exec(select(AuditEntry)).all() == []
    when = datetime(2027, 1, 2, 3, 4, tzinfo=UTC)
    audit.record_admin_action(db, actor_id=admin.id, action="settings.update", target_kind="settings",
                              before={"hold_minutes": 15, "since": when}, after={"hold_minutes": 20, "x": "y" * 5000},
                              now=when)
    db.commit()
    row = db.exec(select(AuditEntry)).one()
    assert row.before == {"hold_minutes": 15, "since": when.isoformat()}
    assert row.after["hold_minutes"] == 20 and len(row.after["x"]) == 2000
    assert row.created_at == when and row.target_id == ""


def test_changed_fields_keeps_only_what_differs():
    assert audit.changed_fields({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == ({"b": 2, "c": None}, {"b": 3, "c": 4})


def test_only_admins_read_the_log_newest_first_and_filtered(db, make_user):
    admin, student = make_user(role="admin"), make_user(role="student")
    for n in range(3):
        audit.record_admin_action(db, actor_id=admin.id, action=f"user.{'suspend' if n % 2 else 'unsuspend'}",
                                  target_kind="user", target_id=n)
    audit.record_admin_action(db, actor_id=admin.id, action="settings.update", target_kind="settings")
    db.commit()
    with pytest.raises(NotAuthenticated):
        audit.list_audit_entries(db, actor=None)
    with pytest.raises(Forbidden):
        audit.list_audit_entries(db, actor=student)
    page = audit.list_audit_entries(db, actor=admin)
    assert page.total == 4 and [e.action for e in page.items][0] == "settings.update"
    assert audit.list_audit_entries(db, actor=admin, action="user.").total == 3
    only = audit.list_audit_entries(db, actor=admin, target_kind="user", target_id="1")
    assert [(e.action, e.target_id) for e in only.items] == [("user.suspend", "1")]
    assert audit.list_audit_entries(db, actor=admin, page={"x": 1}).page == 1

"""Linking a guardian to a student through the real invitation and code confirmation."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import select

from tutorhub.models import OutboxMessage
from tutorhub.services.actor import UserOut
from tutorhub.services.learning import guardians


def emailed_code(db, email: str) -> str:
    msg = db.exec(select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id.desc())).first()
    return re.search(r"code (\d{6})", msg.body).group(1)


def link_guardian(db, child: UserOut, guardian: UserOut, *, now: datetime | None = None) -> int:
    """The child invites the guardian's email and the guardian confirms; returns the link id."""
    link = guardians.invite_guardian(db, actor=child, guardian_email=guardian.email, now=now)
    guardians.confirm_guardian_link(db, actor=guardian, link_id=link.id, code=emailed_code(db, guardian.email), now=now)
    db.commit()
    return link.id

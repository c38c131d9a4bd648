"""Admin view of the outbox (messages the outbox sender recorded), development mode only."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role
from tutorhub.models.notifications import OutboxMessage
from tutorhub.services.accounts.auth import UserOut, require_role
from tutorhub.services.errors import NotFound
from tutorhub.settings import get_settings


class OutboxItem(BaseModel):
    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    created_at: str


def list_outbox(session: Session, *, actor: UserOut | None, limit: int = 50) -> list[OutboxItem]:
    """Newest first. Hidden in production, where real senders deliver messages."""
    require_role(actor, Role.ADMIN)
    if get_settings().is_production:
        raise NotFound("The outbox is only visible in development mode.")
    rows = session.exec(
        select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(max(1, min(limit, 200)))
    ).all()
    return [
        OutboxItem(
            id=r.id or 0,
            channel=r.channel,
            recipient=r.recipient,
            subject=r.subject,
            body=r.body,
            created_at=r.created_at.isoformat(),
        )
        for r in rows
    ]

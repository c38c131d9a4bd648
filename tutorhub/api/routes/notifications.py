"""Notifications (the bell) and the caller's channel preferences.

Only the owner sees or marks a notification: another user's id (or one that is not a number)
is 404, exactly like a missing one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel

from tutorhub.api.deps import CurrentUser
from tutorhub.api.schemas import StrictIn, error_responses, ranged, required
from tutorhub.db import session_scope
from tutorhub.models.base import utcnow
from tutorhub.services.messaging import notifications
from tutorhub.services.messaging import preferences as notification_prefs
from tutorhub.services.messaging.notifications import NotificationOut, NotificationPage
from tutorhub.services.messaging.preferences import PreferencesOut

router = APIRouter(prefix="/api/v1", tags=["notifications"])

_LIST = error_responses(401, 422)
_ONE = error_responses(401, 404, e404="No such notification (or not yours)")


class MarkAllOut(BaseModel):
    marked: int


_CHOICES = [f"{kind}:{channel}" for kind in notification_prefs.KINDS for channel in notification_prefs.EXTERNAL_CHANNELS]


class PreferencesIn(StrictIn):
    enabled: list[str] = required(items={"type": "string", "enum": _CHOICES}, maxItems=2 * len(_CHOICES))


@router.get("/notifications", response_model=NotificationPage, responses=_LIST)
def list_notifications(
    user: CurrentUser,
    before: Annotated[int | None, ranged(1, 2**62, description="Return notifications older than this id (paging)")] = None,
    limit: Annotated[int, Query(ge=1, le=notifications.MAX_PAGE_SIZE)] = notifications.PAGE_SIZE,
    unread: Annotated[bool, Query(description="Only unread ones")] = False,
) -> NotificationPage:
    """Newest first, with the unread count; follow `next_before` for older pages."""
    with session_scope(read_only=True) as session:
        return notifications.list_notifications(session, actor=user, before=before, limit=limit, unread_only=unread)


@router.post("/notifications/read-all", response_model=MarkAllOut, responses=_LIST)
def mark_all_read(user: CurrentUser) -> MarkAllOut:
    with session_scope() as session:
        return MarkAllOut(marked=notifications.mark_all_read(session, actor=user, now=utcnow()))


@router.post("/notifications/{notification_id}/read", response_model=NotificationOut, responses=_ONE)
def mark_read(user: CurrentUser, notification_id: str) -> NotificationOut:
    with session_scope() as session:
        return notifications.mark_read(session, actor=user, notification_id=notification_id, now=utcnow())


@router.get("/notifications/preferences", response_model=PreferencesOut, responses=_LIST)
def get_preferences(user: CurrentUser) -> PreferencesOut:
    with session_scope(read_only=True) as session:
        return notification_prefs.get_preferences(session, actor=user)


@router.put("/notifications/preferences", response_model=PreferencesOut, responses=_LIST)
def put_preferences(user: CurrentUser, data: Annotated[PreferencesIn, Body()]) -> PreferencesOut:
    """Replace the choices: `enabled` lists the "kind:channel" pairs that are on (all others off)."""
    with session_scope() as session:
        return notification_prefs.save_preferences(session, actor=user, enabled=data.enabled)

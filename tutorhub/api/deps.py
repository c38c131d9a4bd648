"""Request context shared by the routes: who is calling (Bearer JWT or browser session) and from where.

Authentication only identifies the caller; what they may do is decided by the services
(`require_role` and owner checks), exactly as for the Reflex UI.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from tutorhub.db import session_scope
from tutorhub.logs import bind_user
from tutorhub.services.accounts import api_tokens, sessions
from tutorhub.services.actor import UserOut
from tutorhub.services.errors import NotAuthenticated

SESSION_COOKIE = "th_session"

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="A JWT access token from /api/v1/auth/login, /auth/otp/verify or /auth/refresh.",
)
session_cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description="The browser session cookie set by the web UI (accepted by file downloads only).",
)

BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


def client_ip(request: Request) -> str:
    """The peer address (uvicorn's --proxy-headers makes this the real client behind a proxy)."""
    return request.client.host[:64] if request.client and request.client.host else ""


def user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")[:300]


def current_user(credentials: BearerCredentials) -> UserOut:
    """The user behind `Authorization: Bearer <access token>`; 401 when missing or invalid."""
    if credentials is None or not credentials.credentials:
        raise NotAuthenticated("Missing bearer token.")
    with session_scope(read_only=True) as session:
        user = api_tokens.user_from_access_token(session, credentials.credentials)
    bind_user(user.id)  # the request log line names the user by id
    return user


CurrentUser = Annotated[UserOut, Depends(current_user)]


def _bearer_user(session: Session, credentials: HTTPAuthorizationCredentials | None) -> UserOut | None:
    """The user behind a valid Bearer token, else None (missing, expired or forged tokens alike)."""
    if credentials is None or not credentials.credentials:
        return None
    try:
        user = api_tokens.user_from_access_token(session, credentials.credentials)
    except NotAuthenticated:
        return None
    bind_user(user.id)
    return user


def optional_user(credentials: BearerCredentials) -> UserOut | None:
    """The caller behind a valid Bearer token, or None (anonymous) — for public reads whose
    answer widens for the owner, like a tutor's own slots before approval."""
    with session_scope(read_only=True) as session:
        return _bearer_user(session, credentials)


OptionalUser = Annotated[UserOut | None, Depends(optional_user)]


def _cookie_allowed(request: Request) -> bool:
    """Refuse cookie authentication for cross-site scripted requests.

    Reflex installs permissive CORS with credentials on this app; a page on another site could
    otherwise `fetch()` a private document with the admin's cookie attached. Top-level navigation
    (a link the admin clicks) stays allowed; browsers without Fetch Metadata send no header.
    """
    site = request.headers.get("sec-fetch-site", "")
    mode = request.headers.get("sec-fetch-mode", "")
    return site != "cross-site" or mode == "navigate"


def viewer_from_bearer_or_cookie(
    request: Request,
    credentials: BearerCredentials,
    cookie: Annotated[str | None, Depends(session_cookie_scheme)],
) -> UserOut | None:
    """The caller by Bearer token, else by the `th_session` browser cookie, else None."""
    with session_scope(read_only=True) as session:
        user = _bearer_user(session, credentials)
        if user is None and cookie and _cookie_allowed(request):
            user = sessions.resolve_session(session, cookie)
    return user


OptionalViewer = Annotated[UserOut | None, Depends(viewer_from_bearer_or_cookie)]

"""/admin/users (search) and /admin/users/[user_id] (one account, suspend / unsuspend).

Thin: each handler calls one service (ops/user_search, ops/user_detail, ops/suspension), which
checks the caller is an admin and validates every argument; filters come from the URL so a search
is a shareable link."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlencode

import reflex as rx

from tutorhub.services.currency import format_money
from tutorhub.services.errors import DomainError, NotAuthenticated, NotFound
from tutorhub.services.ops import suspension, user_detail, user_search
from tutorhub.services.ops.user_detail import UserDetail
from tutorhub.services.paging import page_number
from tutorhub.services.timefmt import format_local
from tutorhub.state.base import AppState, field_errors, form_text, read_for_page

FILTERS = ("q", "role", "status", "city")


@dataclasses.dataclass
class UserListRow:
    id: int = 0
    name: str = ""
    contact: str = ""
    role: str = ""
    status: str = ""
    city: str = ""
    joined: str = ""
    open_flags: int = 0
    href: str = ""


@dataclasses.dataclass
class DetailLine:
    """One line of a detail section (lessons, payments, logins, flags, admin actions)."""

    title: str = ""
    detail: str = ""
    badge: str = ""
    tone: str = "gray"
    href: str = ""


def users_href(filters: dict[str, str], page: int = 1) -> str:
    query = {k: v for k, v in filters.items() if v} | ({"page": str(page)} if page > 1 else {})
    return "/admin/users" + (f"?{urlencode(query)}" if query else "")


class AdminUsersState(AppState):
    status: str = "loading"
    q: str = ""
    role: str = ""
    user_status: str = ""
    city: str = ""
    rows: list[UserListRow] = []
    page: int = 1
    pages: int = 1
    total: int = 0
    error: str = ""

    def _filters(self) -> dict[str, str]:
        return {"q": self.q, "role": self.role, "status": self.user_status, "city": self.city}

    @rx.var
    def prev_href(self) -> str:
        return users_href(self._filters(), self.page - 1) if self.page > 1 else ""

    @rx.var
    def next_href(self) -> str:
        return users_href(self._filters(), self.page + 1) if self.page < self.pages else ""

    @rx.var
    def export_href(self) -> str:
        """The users CSV with this list's search text, role and status (the export's own filters;
        the city has none there)."""
        params = {k: v for k, v in (("q", self.q), ("role", self.role), ("status", self.user_status)) if v}
        return "/api/v1/admin/exports/users.csv" + ("?" + urlencode(params) if params else "")

    async def load(self):
        query = self.router.url.query_parameters
        self.q, self.role, self.user_status, self.city = (str(query.get(k, ""))[:120] for k in FILTERS)
        page = page_number(query.get("page"), text_ok=True)
        self.status, self.error = "loading", ""
        filters = self._filters()
        try:
            ok, found = await read_for_page(
                self, lambda s, actor: (user_search.search_users(s, actor=actor, page=page, **filters),
                                        self._zone_for(actor)),
                forget=lambda: setattr(self, "rows", []))
        except DomainError as exc:  # a hand-edited URL with an unknown role or status
            self.rows, self.total, self.page, self.pages = [], 0, 1, 1
            self.error, self.status = exc.message if not exc.fields else "; ".join(
                f"{k}: {v}" for k, v in exc.fields.items()), "ready"
            return None
        if not ok:
            return found
        result, zone = found
        self.rows = [UserListRow(id=u.id, name=u.full_name, contact=" · ".join(x for x in (u.email, u.phone) if x),
                                 role=u.role, status=u.status, city=u.city,
                                 joined=format_local(u.created_at.isoformat(), zone, with_zone=False),
                                 open_flags=u.open_flags, href=f"/admin/users/{u.id}") for u in result.items]
        self.page, self.pages, self.total, self.status = result.page, result.pages, result.total, "ready"
        return None

    def search(self, form: dict):
        """Turn the search form into the page's URL (the load then reads it)."""
        return rx.redirect(users_href({k: form_text(form, k, 120) for k in FILTERS}))


class AdminUserState(AppState):
    status: str = "loading"
    user_id: int = 0
    name: str = ""
    email: str = ""
    phone: str = ""
    role: str = ""
    account_status: str = ""
    timezone: str = ""
    city: str = ""
    joined: str = ""
    tutor_line: str = ""
    wallet: str = ""
    lessons: list[DetailLine] = []
    payments: list[DetailLine] = []
    logins: list[DetailLine] = []
    flags: list[DetailLine] = []
    actions: list[DetailLine] = []
    errors: dict[str, str] = {}
    form_error: str = ""
    working: bool = False

    @rx.var
    def is_admin_account(self) -> bool:
        return self.role == "admin"

    def _fill(self, d: UserDetail, zone: str) -> None:
        when = lambda moment: format_local(moment.isoformat(), zone)  # noqa: E731
        self.user_id, self.name, self.email, self.phone = d.id, d.full_name, d.email or "", d.phone or ""
        self.role, self.account_status, self.timezone, self.city = d.role, d.status, d.timezone, d.city
        self.joined = when(d.created_at)
        self.tutor_line = f"Tutor profile #{d.tutor_id} · {d.tutor_status}" if d.tutor_id else ""
        self.wallet = ", ".join(format_money(v, u) for u, v in d.wallet.items()) or "empty"
        self.lessons = [DetailLine(f"{x.subject or 'Lesson'} · {when(x.start_at)}",
                                   f"as {x.as_role} · {x.duration_min} min · {format_money(x.price_minor, x.currency)}",
                                   x.status, "red" if x.status == "CANCELLED" else "gray", f"/lessons/{x.id}")
                        for x in d.lessons]
        self.payments = [DetailLine(f"{format_money(p.amount_minor, p.currency)} · {p.purpose}",
                                    f"{p.reference} · {p.gateway} · {when(p.created_at)}"
                                    + (f" · refunded {format_money(p.refunded_minor, p.currency)}"
                                       if p.refunded_minor else ""), p.status) for p in d.payments]
        self.logins = [DetailLine(f"{when(e.created_at)} · {e.method}", f"{e.ip} · {e.user_agent[:80]}",
                                  "success" if e.success else (e.reason.replace("_", " ") or "failed"),
                                  "green" if e.success else "red") for e in d.logins]
        self.flags = [DetailLine(f.kind_label, f.reason, f.status, "amber" if f.status == "OPEN" else "gray",
                                 "/admin/fraud") for f in d.flags]
        self.actions = [DetailLine(a.action, f"{when(a.created_at)}" + (f" · {a.reason}" if a.reason else ""))
                        for a in d.admin_actions]

    def _forget(self) -> None:
        self.lessons, self.payments, self.logins, self.flags, self.actions = [], [], [], [], []
        self.name = self.email = self.phone = ""

    async def load(self):
        self.status, self.errors, self.form_error, self.working = "loading", {}, "", False
        wanted = self._route_tail()
        try:
            ok, found = await read_for_page(
                self, lambda s, actor: (user_detail.get_user_detail(s, actor=actor, user_id=wanted),
                                        self._zone_for(actor)), forget=self._forget)
        except NotFound:
            self._forget()
            self.status = "notfound"
            return None
        if not ok:
            return found
        self._fill(*found)
        self.status = "ready"
        return None

    async def _act(self, use_case, done):  # type: ignore[no-untyped-def]
        """Run one suspension use case, then re-read the account in the same unit of work."""
        wanted = self._route_tail()
        self.errors, self.form_error, self.working = {}, "", True
        yield

        def unit(s, actor):  # type: ignore[no-untyped-def]
            out = use_case(s, actor, wanted)
            return out, user_detail.get_user_detail(s, actor=actor, user_id=wanted), self._zone_for(actor)

        try:
            out, detail, zone = await self._db(unit)
        except NotAuthenticated:
            self.working = False
            yield self._login_redirect()
            return
        except DomainError as exc:
            self.working = False
            self.errors = field_errors(exc)
            self.form_error = "" if self.errors else exc.message
            yield rx.toast.error(exc.message)
            return
        self._fill(detail, zone)
        self.working = False
        yield rx.toast.success(done(out))

    async def suspend(self, form: dict):
        """Suspend this account with the reason typed in the form (the service checks everything)."""
        reason = form_text(form, "reason", 600)
        async for event in self._act(
                lambda s, actor, uid: suspension.suspend_user(s, actor=actor, user_id=uid, reason=reason),
                lambda out: f"Account suspended; {out.cancelled_bookings} lessons cancelled and refunded."):
            yield event

    async def unsuspend(self):
        """Give this account its access back."""
        async for event in self._act(
                lambda s, actor, uid: suspension.unsuspend_user(s, actor=actor, user_id=uid),
                lambda _out: "Account active again."):
            yield event

"""Admin verification: the queue (filter by status, with counts) and one tutor's review page."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlencode

import reflex as rx

from tutorhub.services.errors import DomainError, Forbidden, NotAuthenticated, NotFound
from tutorhub.services.paging import page_number
from tutorhub.services.timefmt import format_local
from tutorhub.services.tutors import verification
from tutorhub.services.tutors.verification import QUEUE_STATUSES
from tutorhub.services.tutors.views import TutorPrivate
from tutorhub.state.base import AppState, field_errors, form_text, read_for_page
from tutorhub.state.tutors.views import (
    MODE_LABELS,
    DecisionView,
    DocumentView,
    SubjectGradesView,
    decision_views,
    document_views,
    rate_texts,
    subject_views,
)


@dataclasses.dataclass
class QueueRowView:
    id: int = 0
    name: str = ""
    headline: str = ""
    subjects: str = ""
    submitted: str = ""
    documents: int = 0
    href: str = ""


@dataclasses.dataclass
class StatusTab:
    status: str = ""
    label: str = ""
    count: int = 0
    href: str = ""


TAB_LABELS = {"PENDING": "Waiting for review", "APPROVED": "Approved", "REJECTED": "Rejected", "DRAFT": "Drafts"}


def queue_href(status: str, page: int = 1) -> str:
    query = {"status": status} | ({"page": str(page)} if page > 1 else {})
    return f"/admin/verification?{urlencode(query)}"


class AdminQueueState(AppState):
    status: str = "loading"
    current: str = "PENDING"
    tabs: list[StatusTab] = []
    rows: list[QueueRowView] = []
    page: int = 1
    pages: int = 1

    @rx.var
    def prev_href(self) -> str:
        return queue_href(self.current, self.page - 1) if self.page > 1 else ""

    @rx.var
    def next_href(self) -> str:
        return queue_href(self.current, self.page + 1) if self.page < self.pages else ""

    def _forget(self) -> None:
        self.rows, self.tabs = [], []

    async def load(self):
        query = self.router.url.query_parameters
        wanted = str(query.get("status", "PENDING")).upper()
        wanted = wanted if wanted in QUEUE_STATUSES else "PENDING"
        page = page_number(query.get("page"), text_ok=True)
        self.status, self.current = "loading", wanted
        ok, read = await read_for_page(
            self,
            lambda s, actor: (
                verification.list_queue(s, actor=actor, status=wanted, page=max(page, 1)),
                self._zone_for(actor),
            ),
            forget=self._forget,
        )
        if not ok:
            return read
        found, zone = read
        self.tabs = [
            StatusTab(status=s, label=TAB_LABELS[s], count=found.counts.get(s, 0), href=queue_href(s))
            for s in QUEUE_STATUSES
        ]
        self.rows = [
            QueueRowView(
                id=i.id,
                name=i.full_name,
                headline=i.headline or "(no headline yet)",
                subjects=", ".join(i.subjects),
                submitted=format_local(i.submitted_at, zone),
                documents=i.documents,
                href=f"/admin/verification/{i.id}",
            )
            for i in found.items
        ]
        self.page, self.pages = found.page, found.pages
        self.status = "ready"
        return None


class AdminReviewState(AppState):
    status: str = "loading"
    name: str = ""
    email: str = ""
    headline: str = ""
    bio: str = ""
    profile_status: str = ""
    review_notes: str = ""
    submitted_at: str = ""
    online_price: str = ""
    home_price: str = ""
    place: str = ""
    modes: list[str] = []
    timezone: str = ""
    intro_video_url: str = ""
    subjects: list[SubjectGradesView] = []
    languages: list[str] = []
    documents: list[DocumentView] = []
    history: list[DecisionView] = []
    # The decision dialog: "", "approve" or "reject".
    dialog: str = ""
    errors: dict[str, str] = {}
    decision_error: str = ""

    def _fill(self, tutor: TutorPrivate, zone: str) -> None:
        self.name, self.email = tutor.full_name, tutor.email or ""
        self.headline, self.bio = tutor.headline, tutor.bio
        self.profile_status, self.review_notes = tutor.status, tutor.review_notes
        self.submitted_at = format_local(tutor.submitted_at, zone)
        self.online_price, self.home_price = rate_texts(tutor)
        radius = f" · travels up to {tutor.travel_radius_km} km" if tutor.travel_radius_km else ""
        self.place = ", ".join(p for p in (tutor.locality, tutor.city) if p) + radius
        self.modes = [MODE_LABELS.get(m, m) for m in tutor.modes]
        self.timezone, self.intro_video_url = tutor.timezone, tutor.intro_video_url
        self.subjects, self.languages = subject_views(tutor.subjects), list(tutor.languages)
        self.documents = document_views(tutor.documents, zone)
        self.history = decision_views(tutor.history, zone)

    async def load(self):
        self.status, self.dialog, self.errors, self.decision_error = "loading", "", {}, ""
        wanted = self._route_tail()
        try:
            tutor, zone = await self._db(
                lambda s, actor: (verification.get_for_review(s, actor=actor, tutor_id=wanted), self._zone_for(actor)),
                read_only=True,
            )
        except NotAuthenticated:
            return self._login_redirect()
        except Forbidden:
            self.status = "forbidden"
            return None
        except NotFound:
            self.status = "notfound"
            return None
        self._fill(tutor, zone)
        self.status = "ready"
        return None

    def open_dialog(self, kind: str):
        if kind in ("approve", "reject"):
            self.dialog, self.errors, self.decision_error = kind, {}, ""

    def set_dialog_open(self, is_open: bool, kind: str = ""):
        """The dialog's own trigger opens it (so the button, not a wrapper, carries aria-haspopup)."""
        if not is_open:
            self.dialog = ""
        elif kind in ("approve", "reject"):
            self.dialog, self.errors, self.decision_error = kind, {}, ""

    async def _decide(self, form: dict, approve: bool):
        notes = form_text(form, "notes", 2500)
        wanted = self._route_tail()
        decide = verification.approve_tutor if approve else verification.reject_tutor
        self.errors, self.decision_error = {}, ""
        try:
            tutor, zone = await self._db(
                lambda s, actor: (decide(s, actor=actor, tutor_id=wanted, notes=notes), self._zone_for(actor))
            )
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.errors = field_errors(exc)
            self.decision_error = "" if self.errors else exc.message
            return None
        self._fill(tutor, zone)
        self.dialog = ""
        return rx.toast.success(f"{tutor.full_name} {'approved' if approve else 'rejected'}")

    async def approve(self, form: dict):
        return await self._decide(form, approve=True)

    async def reject(self, form: dict):
        return await self._decide(form, approve=False)

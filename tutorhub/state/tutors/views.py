"""Plain rows the pages render. Built from service DTOs with only the fields a page shows, already
formatted for the viewer (prices with currency, times in the viewer's zone), so nothing more than
needed ever reaches the browser."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

from tutorhub.services.currency import Rates, approx_text, format_rate
from tutorhub.services.timefmt import format_local
from tutorhub.services.tutors.views import DecisionOut, DocumentOut, SubjectOut, TutorCard, TutorPublic

MODE_LABELS = {"online": "Online", "home": "Home tuition"}


@dataclasses.dataclass
class TutorCardView:
    id: int = 0
    name: str = ""
    initials: str = ""
    photo: str = ""  # the 96×96 photo's URL; "" = initials
    headline: str = ""
    subjects: list[str] = dataclasses.field(default_factory=list)
    price: str = ""
    home_price: str = ""
    rating: str = ""
    reviews: int = 0
    city: str = ""
    modes: list[str] = dataclasses.field(default_factory=list)
    href: str = ""
    distance: str = ""  # "4.2 km away" when the search had a place
    match: str = ""  # "Match 78"


@dataclasses.dataclass
class SubjectGradesView:
    subject: str = ""
    grades: str = ""


@dataclasses.dataclass
class DocumentView:
    id: int = 0
    name: str = ""
    kind: str = ""
    size: str = ""
    uploaded: str = ""
    url: str = ""
    is_image: bool = False


@dataclasses.dataclass
class DecisionView:
    action: str = ""
    notes: str = ""
    when: str = ""


def initials(name: str) -> str:
    parts = [p for p in name.split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


def rating_text(avg: float, count: int) -> str:
    return f"{avg:.1f}" if count > 0 else "New"


def shown_rate(own: int, currency: str, shown: int, display: str) -> str:
    """'≈ €23/h ($25/h)': the viewer's currency first (approximate), the tutor's own price beside it;
    just '$25/h' when the currencies agree (or nothing was converted)."""
    mine = format_rate(own, currency)
    if not display or display == currency or shown <= 0 or own <= 0:
        return mine
    return f"≈ {format_rate(shown, display)} ({mine})"


def rate_texts(tutor: TutorCard | TutorPublic, display: str = "", rates: Rates | None = None) -> tuple[str, str]:
    """(online price, home price) for display in `display` (≈, with the own price); '' for a mode
    the tutor does not offer."""
    def text(minor: int) -> str:
        if rates is None or not display or minor <= 0:
            return format_rate(minor, tutor.currency)
        return approx_text(minor, tutor.currency, display, rates, suffix="/h")

    online = text(tutor.hourly_rate) if "online" in tutor.modes else ""
    home = text(tutor.home_rate) if "home" in tutor.modes else ""
    return online, home


def card_view(card: TutorCard, display: str = "", rates: Rates | None = None) -> TutorCardView:
    """A result card; prices in the search's display currency (carried on the card), or converted
    here into `display` for cards that did not come from a search (the home page's top tutors)."""
    if card.display_currency:
        price = shown_rate(card.hourly_rate, card.currency, card.hourly_rate_display, card.display_currency) \
            if "online" in card.modes else ""
        home_price = shown_rate(card.home_rate, card.currency, card.home_rate_display, card.display_currency) \
            if "home" in card.modes else ""
    else:
        price, home_price = rate_texts(card, display, rates)
    return TutorCardView(
        id=card.id,
        name=card.full_name,
        initials=initials(card.full_name),
        photo=card.photo_thumb_url,
        headline=card.headline,
        subjects=card.subjects[:4],
        price=price,
        home_price=home_price,
        rating=rating_text(card.rating_avg, card.rating_count),
        reviews=card.rating_count,
        city=card.city,
        modes=[MODE_LABELS.get(m, m) for m in card.modes],
        href=f"/tutors/{card.id}",
        distance=f"{card.distance_km:.1f} km away" if card.distance_km is not None else "",
        match=f"Match {round(card.match_score)}",
    )


def subject_views(subjects: list[SubjectOut]) -> list[SubjectGradesView]:
    grouped: OrderedDict[str, list[str]] = OrderedDict()
    for item in subjects:
        grouped.setdefault(item.subject_label, []).append(item.grade_label)
    return [SubjectGradesView(subject=s, grades=", ".join(g)) for s, g in grouped.items()]


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, size // 1024)} KB"


def document_views(docs: list[DocumentOut], tz: str) -> list[DocumentView]:
    return [
        DocumentView(
            id=d.id,
            name=d.original_name,
            kind="PDF" if d.content_type == "application/pdf" else "Image",
            size=size_text(d.size_bytes),
            uploaded=format_local(d.uploaded_at, tz),
            url=f"/api/v1/files/credentials/{d.id}",
            is_image=d.content_type.startswith("image/"),
        )
        for d in docs
    ]


def decision_views(history: list[DecisionOut], tz: str) -> list[DecisionView]:
    labels = {
        "SUBMITTED": "Submitted for review",
        "APPROVED": "Approved",
        "REJECTED": "Rejected",
        "RESET": "Sent back to review",
    }
    return [
        DecisionView(action=labels.get(h.action, h.action), notes=h.notes, when=format_local(h.created_at, tz))
        for h in history
    ]


@dataclasses.dataclass
class SubjectRow:
    """One editable 'subject + grade levels' line of the tutor profile form."""

    subject: str = ""
    grades: list[str] = dataclasses.field(default_factory=list)

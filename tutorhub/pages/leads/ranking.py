"""/help/ranking: "How we rank" — how search orders tutors and which enquiries reach a tutor."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.layout import page, page_header
from tutorhub.state.leads.ranking import RankingHelpState, ScorePart

LEAD_RULES = [
    "teaches the subject at the student's grade",
    "offers the mode (online or home tuition) and charges in the enquiry's currency",
    "charges no more per hour than the student's budget (the home rate for home tuition)",
    "home tuition: the student's place is within the tutor's travel radius (straight-line distance from an "
    "offline world gazetteer; a locality we do not know counts from its city's centre)",
    "when the student gave weekly times: at least one free lesson start of the tutor falls inside them in the "
    "next two weeks (compared across time zones)",
]


def _part(part: ScorePart) -> rx.Component:
    return rx.list_item(rx.text(rx.text.strong(part.term), " — ", part.text, size="2"))


def ranking_page() -> rx.Component:
    return page(rx.vstack(
        page_header("How we rank", "The same rules for every tutor; nobody pays for a better place."),
        rx.heading("Search results", size="4", as_="h2"),
        rx.text("Subject, grade, mode, place and distance, language, price and \"free in my times\" are filters: a tutor either "
                "fits or is not shown. Tutors who fit are ordered by a match score from 0 to 100:", size="3"),
        rx.unordered_list(rx.foreach(RankingHelpState.parts, _part)),
        rx.text("A part that does not apply to your search (no price ceiling, grade, preferred times or place) "
                "counts one half for every tutor. Signed in as a student, what your search leaves out comes from your "
                "learning profile (subjects, grade, budget): tutors of your subjects come first — it orders, never "
                "hides. You can also sort by lowest price, highest rating or the next "
                "free time. Ties go to the tutor with more reviews. Only approved tutors whose account is in good standing are "
                "ever shown.", size="2"),
        rx.heading("Enquiries and the lead inbox", size="4", as_="h2"),
        rx.text("An enquiry reaches a tutor's lead inbox, at the moment it is posted, when the tutor:", size="3"),
        rx.unordered_list(*[rx.list_item(rx.text(rule, size="2")) for rule in LEAD_RULES]),
        rx.text("The inbox shows the fit (distance, free times in the student's windows) and never the student's "
                "name or contact details. Claiming costs one lead credit; at most 3 tutors can claim one enquiry; "
                "enquiries close after 7 days.", size="2"),
        spacing="3", width="100%", align="start",
    ), width="760px")

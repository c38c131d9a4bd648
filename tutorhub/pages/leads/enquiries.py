"""/enquiries (students): post an enquiry; follow your enquiries live, accept a proposal, close."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import form_message, select_field, submit_button, text_field, textarea_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import empty_state, gate, link_button
from tutorhub.services.catalog import GRADE_LEVELS, SUBJECTS
from tutorhub.services.currency import CURRENCIES
from tutorhub.state.leads.enquiries import ClaimRow, EnquiryRow, ProposalRow, StudentEnquiriesState
from tutorhub.state.leads.time_ranges import DAY_OPTIONS, ENDS, STARTS, TimeRange

S = StudentEnquiriesState


SUBJECT_OPTIONS = [(label, label) for label in SUBJECTS.values()]
GRADE_OPTIONS = list(GRADE_LEVELS.items())
MODE_OPTIONS = [("online", "Online"), ("home", "Home tuition")]
CURRENCY_OPTIONS = [(c, c) for c in CURRENCIES]
LENGTH_OPTIONS = [(str(m), f"{m} minutes") for m in (30, 45, 60, 90)]


SELECT_STYLE = {"padding": "6px 8px", "border_radius": "var(--radius-2)", "border": "1px solid var(--gray-7)",
                "background": "var(--color-surface)", "color": "var(--gray-12)", "font_size": "var(--font-size-2)",
                "min_height": "36px"}


def _select(label: rx.Var, value: rx.Var, options: list[tuple[str, str]], on_change) -> rx.Component:
    """A native <select>: the phone's own picker, one tap per choice."""
    return rx.el.select(*[rx.el.option(text, value=v) for v, text in options], value=value, on_change=on_change,
                        aria_label=label, style=SELECT_STYLE)


def _time_row(r: TimeRange, i: rx.Var) -> rx.Component:
    n = (i + 1).to_string()
    return rx.vstack(
        rx.flex(
            _select("Day of time " + n, r.weekday, DAY_OPTIONS, lambda v: S.set_time(i, "weekday", v)),
            _select("From, time " + n, r.start, [(t, t) for t in STARTS], lambda v: S.set_time(i, "start", v)),
            rx.text("to", size="2"),
            _select("To, time " + n, r.end, [(t, t) for t in ENDS], lambda v: S.set_time(i, "end", v)),
            rx.icon_button(rx.icon("x", size=16), type="button", size="2", variant="ghost", color_scheme="gray",
                           aria_label="Remove time " + n, on_click=S.remove_time(i)),
            gap="8px", align="center", wrap="wrap",
        ),
        rx.cond(r.error != "", rx.text(r.error, size="1", color=rx.color("red", 11), role="alert"), rx.fragment()),
        spacing="1", class_name="enquiry-time",
    )


def _times_editor() -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend("Preferred weekly times", style={"font_weight": "500", "font_size": "var(--font-size-2)"}),
        rx.text("In your timezone (", S.times_zone, "). They start as your ",
                rx.link("saved times", href="/student/times", underline="always"),
                "; change them for this enquiry. No times: any time suits you.", size="1", color=rx.color("gray", 11)),
        rx.vstack(rx.foreach(S.times, _time_row), spacing="2", width="100%", margin_y="8px"),
        rx.cond(S.times_error != "", rx.text(S.times_error, size="1", color=rx.color("red", 11), role="alert"),
                rx.fragment()),
        rx.flex(
            rx.button(rx.icon("plus", size=16), "Add a time", type="button", size="2", variant="soft",
                      disabled=S.times_full, on_click=S.add_time, id="enquiry-add-time"),
            rx.button("Use my saved times", type="button", size="2", variant="ghost", on_click=S.use_saved_times),
            gap="8px", wrap="wrap",
        ),
        style={"border": "none", "padding": "0", "margin": "0"},
    )


def _form() -> rx.Component:
    errors = S.errors
    return rx.card(rx.form(
        rx.vstack(
            rx.heading("Post an enquiry", size="4", as_="h2"),
            rx.grid(
                select_field("Subject", "subject", SUBJECT_OPTIONS, errors=errors, default_value="Mathematics"),
                select_field("Grade", "grade", GRADE_OPTIONS, errors=errors, default_value="high"),
                select_field("Mode", "mode", MODE_OPTIONS, errors=errors, default_value="online"),
                text_field("City or locality", "city", errors=errors, placeholder="e.g. Koramangala, Bengaluru",
                           hint="Needed for home tuition; tutors see only the area."),
                text_field("Budget per hour", "budget", errors=errors, placeholder="e.g. 30.00",
                           input_mode="decimal"),
                select_field("Currency", "currency", CURRENCY_OPTIONS, errors=errors, default_value="USD"),
                select_field("Lesson length", "duration_min", LENGTH_OPTIONS, errors=errors, default_value="60"),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
            ),
            textarea_field("Message to tutors", "message", errors=errors, rows="3",
                           placeholder="What do you need help with?"),
            _times_editor(),
            rx.text("Tutors never see your name or contact details until you talk in the chat.", size="1",
                    color=rx.color("gray", 11)),
            rx.cond(S.suggestions.length() > 0,
                    rx.text("Did you mean: ", rx.foreach(S.suggestions, lambda x: rx.badge(x, variant="soft")),
                            size="2"), rx.fragment()),
            rx.cond(S.form_error != "", form_message(S.form_error), rx.fragment()),
            submit_button("Post enquiry", loading=S.posting, id="enquiry-submit"),
            spacing="3", width="100%",
        ),
        on_submit=S.post, reset_on_submit=False, width="100%", aria_label="Post an enquiry",
    ), width="100%")


def _claim(c: ClaimRow) -> rx.Component:
    return rx.hstack(rx.icon("user-check", size=16), rx.text(c.tutor_name, size="2"),
                     link_button("Chat", href="/messages?c=" + c.conversation_id.to_string(), size="1",
                                 variant="soft"), spacing="2", align="center")


def _proposal(e: EnquiryRow, p: ProposalRow) -> rx.Component:
    return rx.hstack(
        rx.text(p.tutor_name + ": " + p.when + " · " + p.duration.to_string() + " min · " + p.price, size="2"),
        rx.cond(p.status == "OFFERED",
                rx.cond(e.live, rx.button("Accept and pay", size="1", on_click=S.accept(e.id, p.id)), rx.fragment()),
                rx.badge(p.status, variant="soft")),
        rx.cond(p.booking_id > 0, link_button("Lesson", href="/lessons/" + p.booking_id.to_string(), size="1",
                                              variant="ghost"), rx.fragment()),
        spacing="3", align="center", wrap="wrap",
    )


def _enquiry(e: EnquiryRow) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.text(e.title, weight="bold"), rx.badge(e.status), spacing="2", wrap="wrap", align="center"),
        rx.text(e.budget + rx.cond(e.place != "", " · " + e.place, ""), size="2"),
        rx.text("Times: " + e.windows, size="2", color=rx.color("gray", 11)),
        rx.text(e.message, size="2"),
        rx.text("Reached " + e.reached.to_string() + " matching tutors · posted " + e.created + " · open until "
                + e.expires, size="1", color=rx.color("gray", 10)),
        rx.cond(e.claims.length() > 0, rx.vstack(rx.text("Tutors who answered", size="2", weight="medium"),
                                                 rx.foreach(e.claims, _claim), spacing="1"),
                rx.cond(e.live, rx.text("Waiting for tutors to answer…", size="2"), rx.fragment())),
        rx.cond(e.proposals.length() > 0, rx.vstack(rx.text("Proposed lessons", size="2", weight="medium"),
                                                    rx.foreach(e.proposals, lambda p: _proposal(e, p)), spacing="1"),
                rx.fragment()),
        rx.cond(e.live, rx.button("Close enquiry", size="1", variant="soft", color_scheme="gray",
                                  on_click=S.close(e.id)), rx.fragment()),
        spacing="2", width="100%", align="start",
    ), width="100%", class_name="enquiry-card")


def enquiries_page() -> rx.Component:
    ready = rx.vstack(
        page_header("Enquiries", "Tell tutors what you need; matching tutors answer and propose a time."),
        _form(),
        rx.heading("Your enquiries", size="4", as_="h2"),
        rx.cond(S.rows.length() > 0, rx.vstack(rx.foreach(S.rows, _enquiry), spacing="3", width="100%"),
                empty_state("inbox", "No enquiries yet", "Post one above: matching tutors see it at once.")),
        spacing="4", width="100%",
    )
    return page(gate(S.status, ready), width="860px")

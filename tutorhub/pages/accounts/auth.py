"""Sign up, log in (password and one-time code) and the account page."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.currency_picker import CURRENCIES, currency_picker
from tutorhub.components.forms import (
    error_text,
    fieldset,
    form_message,
    select_field,
    submit_button,
    text_field,
    timezone_field,
)
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import confirm_dialog, gate, link_button
from tutorhub.pages.calendars.feed import calendar_feed_card
from tutorhub.state.accounts.auth import AccountState, LoginState, OtpState, SignupState
from tutorhub.state.base import AppState


def auth_card(title: str, subtitle: str, *children: rx.Component) -> rx.Component:
    return page(
        rx.center(
            rx.card(
                rx.vstack(
                    rx.vstack(
                        rx.heading(title, size="6", as_="h1"),
                        rx.text(subtitle, color=rx.color("gray", 11), size="2"),
                        spacing="1",
                    ),
                    *children,
                    spacing="5",
                    width="100%",
                ),
                size=rx.breakpoints(initial="3", sm="4"),
                width="100%",
                max_width="460px",
            ),
            width="100%",
        ),
    )


def _role_choice() -> rx.Component:
    def option(value: str, title: str, text: str, icon: str) -> rx.Component:
        return rx.radio_cards.item(
            rx.hstack(
                rx.icon(icon, size=20),
                rx.vstack(
                    rx.text(title, weight="bold", size="2"),
                    rx.text(text, size="1", color=rx.color("gray", 11)),
                    spacing="0",
                    align="start",
                ),
                spacing="3",
                align="center",
                width="100%",
            ),
            value=value,
            aria_label=title,
        )

    return fieldset(
        "I want to",
        rx.radio_cards.root(
            option("student", "Learn", "Find a tutor", "book-open"),
            option("tutor", "Teach", "Offer lessons", "presentation"),
            option("guardian", "Follow my child", "Parent or guardian", "users"),
            name="role",
            default_value="student",
            columns={"initial": "1", "sm": "3"},
            width="100%",
        ),
        error_text("Role", SignupState.errors.get("role", "")),
    )


def signup_page() -> rx.Component:
    errors = SignupState.errors
    return auth_card(
        "Create your account",
        "Students find verified tutors; tutors get discovered.",
        rx.form(
            rx.vstack(
                rx.cond(
                    SignupState.email_taken,
                    rx.callout(
                        rx.vstack(
                            rx.text("An account with this email already exists."),
                            rx.hstack(
                                rx.link("Log in instead", href="/login", weight="bold"),
                                rx.link("Forgot password?", href=SignupState.reset_link),
                                spacing="4",
                                wrap="wrap",
                            ),
                            spacing="1",
                        ),
                        icon="user-check",
                        color_scheme="amber",
                        role="alert",
                    ),
                    form_message(SignupState.message),
                ),
                text_field("Full name", "full_name", errors=errors, auto_complete="name", required=True),
                text_field("Email", "email", errors=errors, type="email", auto_complete="email", required=True),
                text_field(
                    "Password",
                    "password",
                    errors=errors,
                    type="password",
                    auto_complete="new-password",
                    hint="At least 8 characters.",
                    required=True,
                ),
                _role_choice(),
                timezone_field("timezone", errors=errors, default_value=SignupState.timezone),
                _currency_choice(),
                submit_button("Create account", loading=SignupState.submitting, width="100%"),
                spacing="4",
                width="100%",
            ),
            on_submit=SignupState.submit,
            width="100%",
        ),
        rx.text("Already have an account? ", rx.link("Log in", href=SignupState.login_href, underline="always"), size="2"),
    )


def _currency_choice() -> rx.Component:
    """"Show prices in": prefilled from the browser's language and zone (keyed on the guess, so the
    late detection refreshes it), editable; the service checks the code."""
    return rx.box(
        select_field(
            "Show prices in",
            "display_currency",
            [(code, code) for code in CURRENCIES],
            errors=SignupState.errors,
            default_value=SignupState.display_currency,
            hint="Guessed from your browser; prices are converted (≈) beside each tutor's own price. "
                 "You can change it later on your account page.",
        ),
        key=SignupState.display_currency,
        width="100%",
    )


def _login_problem() -> rx.Component:
    return rx.match(
        LoginState.problem,
        ("locked", rx.callout(LoginState.message, icon="lock", color_scheme="amber", role="alert")),
        ("suspended", rx.callout(LoginState.message, icon="ban", color_scheme="red", role="alert")),
        ("error", rx.callout(LoginState.message, icon="circle-alert", color_scheme="red", role="alert")),
        rx.fragment(),
    )


def login_page() -> rx.Component:
    return auth_card(
        "Welcome back",
        "Log in to book lessons or manage your tutoring.",
        rx.cond(
            AppState.signed_in,
            rx.callout(
                rx.text(
                    "You are logged in as ",
                    rx.text.strong(AppState.viewer_name),
                    ". ",
                    rx.link("Go to your account", href="/account"),
                ),
                icon="info",
                color_scheme="blue",
            ),
            rx.fragment(),
        ),
        rx.form(
            rx.vstack(
                _login_problem(),
                text_field("Email", "email", type="email", auto_complete="email", required=True),
                text_field("Password", "password", type="password", auto_complete="current-password", required=True),
                rx.flex(
                    rx.link("Forgot password?", href="/login/reset", size="2"),
                    justify="end",
                    width="100%",
                    margin_top="-0.5rem",
                ),
                submit_button("Log in", loading=LoginState.submitting, width="100%"),
                spacing="4",
                width="100%",
            ),
            on_submit=LoginState.submit,
            width="100%",
        ),
        rx.separator(),
        rx.vstack(
            rx.link(
                rx.hstack(
                    rx.icon("key-round", size=16),
                    rx.text("Log in with a one-time code instead"),
                    spacing="2",
                    align="center",
                ),
                href="/login/code",
                size="2",
            ),
            rx.text("New to TutorHub? ", rx.link("Create an account", href=LoginState.signup_href, underline="always"),
                    size="2"),
            spacing="2",
        ),
    )


def _otp_request() -> rx.Component:
    return rx.form(
        rx.vstack(
            fieldset(
                "Send the code by",
                rx.segmented_control.root(
                    rx.segmented_control.item("Email", value="email"),
                    rx.segmented_control.item("Phone (SMS)", value="phone"),
                    value=OtpState.channel,
                    on_change=OtpState.set_channel,
                    width="100%",
                ),
            ),
            rx.cond(
                OtpState.channel == "phone",
                text_field(
                    "Phone number",
                    "identifier",
                    type="tel",
                    auto_complete="tel",
                    placeholder="+14155550123",
                    hint="International format, starting with +.",
                    field_id="otp-phone",
                    required=True,
                ),
                text_field(
                    "Email", "identifier", type="email", auto_complete="email", field_id="otp-email", required=True
                ),
            ),
            submit_button("Send code", loading=OtpState.busy, width="100%"),
            spacing="4",
            width="100%",
        ),
        on_submit=OtpState.request_code,
        width="100%",
    )


def _otp_verify() -> rx.Component:
    return rx.vstack(
        rx.callout(OtpState.message, icon="mail-check", color_scheme="green"),
        rx.form(
            rx.vstack(
                text_field(
                    "6-digit code",
                    "code",
                    input_mode="numeric",
                    auto_complete="one-time-code",
                    max_length=6,
                    pattern="[0-9]{6}",
                    placeholder="123456",
                    required=True,
                    field_id="otp-code",
                ),
                submit_button("Verify and log in", loading=OtpState.busy, width="100%"),
                spacing="4",
                width="100%",
            ),
            on_submit=OtpState.verify_code,
            width="100%",
            reset_on_submit=True,
        ),
        rx.hstack(
            rx.button("Send a new code", variant="ghost", size="2", on_click=OtpState.resend_code),
            rx.button(
                "Use a different address", variant="ghost", size="2", color_scheme="gray", on_click=OtpState.start_over
            ),
            spacing="4",
            wrap="wrap",
        ),
        spacing="4",
        width="100%",
    )


def login_code_page() -> rx.Component:
    return auth_card(
        "Log in with a code",
        "We send a 6-digit code to your email or phone. No password needed.",
        rx.cond(
            OtpState.error != "",
            rx.callout(OtpState.error, icon="circle-alert", color_scheme="red", role="alert"),
            rx.fragment(),
        ),
        rx.cond(OtpState.code_sent, _otp_verify(), _otp_request()),
        rx.cond(
            OtpState.dev_mode,
            rx.callout(
                "Development mode: codes are delivered to the outbox (server log / admin outbox page).",
                icon="flask-conical",
                color_scheme="gray",
                size="1",
            ),
            rx.fragment(),
        ),
        rx.link("Log in with a password", href="/login", size="2"),
    )


def _detail(label: str, value: rx.Var | str) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))


def account_page() -> rx.Component:
    ready = rx.vstack(
        page_header("Your account", "Who you are signed in as, and where you are signed in."),
        rx.card(
            rx.vstack(
                rx.data_list.root(
                    _detail("Name", AccountState.name),
                    _detail("Email", rx.cond(AccountState.email != "", AccountState.email, "—")),
                    _detail("Phone", rx.cond(AccountState.phone != "", AccountState.phone, "—")),
                    _detail("Role", rx.badge(AccountState.role, variant="soft")),
                    _detail("Timezone", AccountState.timezone),
                    _detail("Currency", currency_picker(AccountState.display_currency, AccountState.set_currency)),
                    _detail("Active sessions", AccountState.active_sessions.to_string()),
                    orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
                ),
                link_button(
                    rx.icon("user-pen", size=16),
                    rx.match(
                        AccountState.role,
                        ("student", "Edit learning profile"),
                        ("tutor", "Edit tutor profile"),
                        "Open admin console",
                    ),
                    href=AccountState.profile_link,
                    variant="soft",
                ),
                spacing="5",
                width="100%",
            ),
            size="3",
            width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.heading("Sessions", size="4", as_="h2"),
                rx.text(
                    "You are signed in on ",
                    AccountState.active_sessions.to_string(),
                    " browser(s) or device(s). Logging out everywhere also revokes app tokens.",
                    size="2",
                    color=rx.color("gray", 11),
                ),
                rx.flex(
                    rx.button("Log out", variant="soft", color_scheme="gray", on_click=AppState.logout),
                    confirm_dialog(
                        rx.button("Log out everywhere", color_scheme="red", variant="soft"),
                        "Log out everywhere?",
                        "Every browser and app signed in to this account will be signed out.",
                        rx.button("Log out everywhere", color_scheme="red", on_click=AccountState.logout_everywhere),
                    ),
                    spacing="3",
                    wrap="wrap",
                ),
                spacing="3",
                width="100%",
            ),
            size="3",
            width="100%",
        ),
        calendar_feed_card(),
        spacing="4",
        width="100%",
    )
    return page(gate(AccountState.status, ready), width="760px")

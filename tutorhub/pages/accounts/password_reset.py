"""Forgot password: email → 6-digit code + new password → done (issue 12, item 9)."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import form_message, submit_button, text_field
from tutorhub.components.ui import link_button
from tutorhub.pages.accounts.auth import auth_card
from tutorhub.state.accounts.password_reset import PasswordResetState


def _ask_for_code() -> rx.Component:
    return rx.form(
        rx.vstack(
            form_message(PasswordResetState.message),
            text_field(
                "Email",
                "email",
                errors=PasswordResetState.errors,
                type="email",
                auto_complete="email",
                default_value=PasswordResetState.email,
                hint="The address you log in with.",
                field_id="reset-email",
                required=True,
            ),
            submit_button("Email me a reset code", loading=PasswordResetState.busy, width="100%"),
            spacing="4",
            width="100%",
        ),
        on_submit=PasswordResetState.request_code,
        width="100%",
    )


def _new_password() -> rx.Component:
    errors = PasswordResetState.errors
    return rx.vstack(
        rx.callout(PasswordResetState.notice, icon="mail-check", color_scheme="green", role="status"),
        rx.form(
            rx.vstack(
                form_message(PasswordResetState.message),
                text_field(
                    "6-digit code",
                    "code",
                    errors=errors,
                    input_mode="numeric",
                    auto_complete="one-time-code",
                    max_length=6,
                    pattern="[0-9]{6}",
                    placeholder="123456",
                    field_id="reset-code",
                    required=True,
                ),
                text_field(
                    "New password",
                    "new_password",
                    errors=errors,
                    type="password",
                    auto_complete="new-password",
                    min_length=8,
                    max_length=128,
                    hint="At least 8 characters.",
                    field_id="reset-new-password",
                    required=True,
                ),
                text_field(
                    "Repeat the new password",
                    "confirm_password",
                    errors=errors,
                    type="password",
                    auto_complete="new-password",
                    min_length=8,
                    max_length=128,
                    field_id="reset-confirm-password",
                    required=True,
                ),
                submit_button("Set new password", loading=PasswordResetState.busy, width="100%"),
                spacing="4",
                width="100%",
            ),
            on_submit=PasswordResetState.set_new_password,
            width="100%",
        ),
        rx.hstack(
            rx.button("Send a new code", variant="ghost", size="2", on_click=PasswordResetState.resend_code,
                      disabled=PasswordResetState.busy),
            rx.button("Use a different email", variant="ghost", size="2", color_scheme="gray",
                      on_click=PasswordResetState.start_over),
            spacing="4",
            wrap="wrap",
        ),
        spacing="4",
        width="100%",
    )


def _done() -> rx.Component:
    return rx.vstack(
        rx.callout(PasswordResetState.notice, icon="circle-check", color_scheme="green", role="status"),
        link_button(rx.icon("log-in", size=16), "Log in with your new password", href="/login", width="100%"),
        spacing="4",
        width="100%",
    )


def password_reset_page() -> rx.Component:
    return auth_card(
        "Reset your password",
        "We email you a 6-digit code; with it you choose a new password.",
        rx.match(
            PasswordResetState.step,
            ("code", _new_password()),
            ("done", _done()),
            _ask_for_code(),
        ),
        rx.cond(
            PasswordResetState.dev_mode,
            rx.callout(
                "Development mode: emails are delivered to the outbox (server log / admin outbox page).",
                icon="flask-conical",
                color_scheme="gray",
                size="1",
            ),
            rx.fragment(),
        ),
        rx.hstack(
            rx.link("Back to log in", href="/login", size="2"),
            rx.link("Log in with a one-time code", href="/login/code", size="2"),
            spacing="4",
            wrap="wrap",
        ),
    )

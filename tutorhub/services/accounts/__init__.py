"""Accounts: passwords, browser sessions, API tokens, one-time codes, students' onboarding."""

"""Accounts: passwords, browser sessions, API tokens, one-time codes, the login log, role profiles, students' onboarding."""

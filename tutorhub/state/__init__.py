"""Reflex states: thin adapters between pages and services.

Every public method of a state is a remote call any browser can make with any arguments, so each
handler that reads private data or changes anything resolves the session cookie itself (through
`AppState._current_user`) and lets the service authorize; cached display vars such as
`viewer_role` are for rendering only.
"""

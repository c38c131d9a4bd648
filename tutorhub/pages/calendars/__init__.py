"""Calendar sync UI: the user's private feed link (shown on the account page)."""

"""Calendar sync UI: the user's private feed link."""

"""Claude through the real SDK against the local stand-in (see tests/support/claude_standin.py)."""

from tests.support.claude_standin import claude  # noqa: F401  (fixture)

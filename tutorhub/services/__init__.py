"""The domain: use cases that take a session and plain arguments and return plain data."""

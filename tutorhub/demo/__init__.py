"""Demo data for a newcomer's first `make run`: seeded through the real services, only into an empty database."""

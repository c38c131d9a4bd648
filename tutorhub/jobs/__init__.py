"""APScheduler wiring: each job is one call into a service."""

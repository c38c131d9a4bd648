"""Learning: the lesson itself (start, end, no-shows, disputes, notes) and reviews."""

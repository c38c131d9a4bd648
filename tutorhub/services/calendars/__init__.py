"""Calendar feeds out: each user's private iCalendar feed of everything they attend (lessons now,
class sessions when they land), assembled from the domains below it."""

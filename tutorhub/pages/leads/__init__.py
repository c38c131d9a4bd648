"""Pages of the lead marketplace."""

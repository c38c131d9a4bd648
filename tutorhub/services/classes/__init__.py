"""Group classes: batches on a recurrence rule, seats, waitlist, attendance."""

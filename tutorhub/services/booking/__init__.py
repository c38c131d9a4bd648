"""Booking: holds, the booking state machine, the guarded path that takes a tutor's time, series, cancellations, reschedules, reminders."""

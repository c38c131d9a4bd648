"""Scheduling: tutors' availability, students' windows, free slots and the free-slot index."""

"""Tutors: profiles and credentials, verification, search, public numbers, reliability."""

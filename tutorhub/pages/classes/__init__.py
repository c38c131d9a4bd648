"""Group classes pages."""

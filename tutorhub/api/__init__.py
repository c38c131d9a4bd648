"""FastAPI app mounted into Reflex: /api/v1, private file downloads, /health."""

"""FastAPI routers under /api/v1, payment webhooks and downloads: thin wrappers over one service call each."""

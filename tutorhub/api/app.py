"""The FastAPI application (placeholder; the API helper fills it in)."""

from fastapi import FastAPI

api = FastAPI(title="TutorHub API", openapi_url="/api/v1/openapi.json", docs_url="/api/v1/docs", redoc_url=None)


@api.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}

"""Course video uploads (S3-multipart shaped) and video delivery through short-lived signed URLs.

- `POST /courses/{id}/chapters/{chapter_id}/upload` opens an upload: `{"upload_id", "part_size", "parts"}`.
- `PUT /uploads/{upload_id}/parts/{n}?expires=&sig=` (local storage only: with S3 the part URLs point at
  the bucket) streams the body to disk chunk by chunk and answers with the part's `ETag`. The signature
  is the authorization, as with an S3 pre-signed URL; the body size limit (BodySizeLimitMiddleware and
  the part's declared length) stops an oversized body while it streams.
- `POST /uploads/{upload_id}/complete` joins the parts and checks the content (415 when not MP4/WebM).
- `GET /courses/{id}/chapters/{chapter_id}/video` → 302 to a URL valid for a few minutes (bearer token or
  the web session cookie, so a `<video>` element can follow it); `GET /course-videos/{chapter_id}` serves
  that URL's file with Range support (206), 403 once expired.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import BaseModel, Field

from tutorhub.api.deps import CurrentUser, OptionalViewer
from tutorhub.api.schemas import StrictIn, error_responses, required, text_rule
from tutorhub.db import session_scope
from tutorhub.services.actor import UserOut
from tutorhub.services.courses import covers, uploads, watching
from tutorhub.services.errors import NotAuthenticated
from tutorhub.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["courses"])


def same_site_user(request: Request, viewer: OptionalViewer) -> UserOut:
    """The caller by Bearer token, or by the web session cookie on a same-origin request only (the
    course builder's uploader and the player call these routes with `fetch`): a cookie sent by
    another site's form or script never authorizes a change."""
    has_bearer = request.headers.get("authorization", "").lower().startswith("bearer ")
    if viewer is None or (not has_bearer and request.headers.get("sec-fetch-site") != "same-origin"):
        raise NotAuthenticated("Please log in first.")
    return viewer


SameSiteUser = Annotated[UserOut, Depends(same_site_user)]


class VideoUploadIn(StrictIn):
    filename: str = required(**text_rule(200, required=True))
    size: int = Field(json_schema_extra={"minimum": 1})
    content_type: str = Field(json_schema_extra={"enum": ["video/mp4", "video/webm"]})


class UploadPartOut(BaseModel):
    n: int
    url: str
    method: str


class VideoUploadOut(BaseModel):
    upload_id: str
    part_size: int
    parts: list[UploadPartOut]


class UploadPartIn(StrictIn):
    n: int
    etag: str


class UploadCompleteIn(StrictIn):
    parts: list[UploadPartIn]


class UploadReadyOut(BaseModel):
    status: str


@router.post("/courses/{course_id}/chapters/{chapter_id}/upload", response_model=VideoUploadOut, status_code=201,
             responses=error_responses(401, 403, 404, 422, e403="Not a tutor", e404="No such course or chapter"))
def start_upload(user: SameSiteUser, course_id: str, chapter_id: str, data: VideoUploadIn) -> VideoUploadOut:
    """Open a multipart upload of the chapter's video; PUT each part to its URL, keep the ETags."""
    with session_scope() as session:
        return VideoUploadOut(**uploads.start_upload(session, actor=user, course_id=course_id, chapter_id=chapter_id,
                                                filename=data.filename, size=data.size,
                                                content_type=data.content_type))


@router.put("/uploads/{upload_id}/parts/{n}", status_code=200,
            responses={**error_responses(400, 404, 413, e400="The part is shorter than declared",
                                         e404="Unknown upload or part, or the link is not valid",
                                         e413="The part is longer than declared"),
                       200: {"description": "Stored; the `ETag` header is the part's md5"}})
async def put_part(request: Request, upload_id: str, n: Annotated[int, Path(ge=1, le=10_000)],
                   expires: Annotated[int, Query()] = 0, sig: Annotated[str, Query(max_length=64)] = "") -> Response:
    """One part's bytes (streamed to disk, never held whole in memory); send it again after a failure."""
    with session_scope(read_only=True) as session:
        grant = uploads.part_grant(session, upload_id=upload_id, n=n, expires=expires, sig=sig)
    etag = await uploads.receive_part(grant, request.stream())
    return Response(status_code=200, headers={"ETag": etag})


@router.post("/uploads/{upload_id}/complete", response_model=UploadReadyOut,
             responses=error_responses(401, 404, 409, 415, 422, e404="No such upload (or not yours)",
                                       e415="Not a video (MP4 or WebM): the bytes were deleted"))
def complete_upload(user: SameSiteUser, upload_id: str, data: UploadCompleteIn) -> UploadReadyOut:
    """Join the parts, check the content, make it the chapter's video (415 or 422: the bytes were deleted and
    the upload is closed; start a new one)."""
    try:
        with session_scope() as session:
            return UploadReadyOut(**uploads.complete_upload(session, actor=user, upload_id=upload_id,
                                                      parts=[p.model_dump() for p in data.parts]))
    except uploads.REJECTIONS:
        with session_scope() as session:
            uploads.mark_rejected(session, actor=user, upload_id=upload_id)
        raise


class CourseCoverOut(BaseModel):
    content_type: str


@router.put("/courses/{course_id}/cover", response_model=CourseCoverOut,
            responses=error_responses(401, 403, 404, 422, e403="Not a tutor",
                                      e422="Not a PNG/JPEG/WebP image, empty, or too large"))
def set_cover(user: CurrentUser, course_id: str, file: Annotated[UploadFile, File()]) -> CourseCoverOut:
    """The course's cover image (judged by content; the upload size limit applies)."""
    data = file.file.read(get_settings().max_upload_bytes + 1)  # one byte over the limit is enough to refuse it
    with session_scope() as session:
        return CourseCoverOut(**covers.set_cover(session, actor=user, course_id=course_id, data=data))


@router.get("/courses/{course_id}/cover", response_class=Response,
            responses={200: {"content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}}},
                       **error_responses(404, e404="No such course or no cover")})
def get_cover(user: OptionalViewer, course_id: str) -> Response:
    """The cover of a course the viewer may see."""
    with session_scope(read_only=True) as session:
        data, content_type = covers.read_cover(session, viewer=user, course_id=course_id)
    return Response(content=data, media_type=content_type,
                    headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"})


@router.get("/courses/{course_id}/chapters/{chapter_id}/video", status_code=302, response_class=RedirectResponse,
            responses=error_responses(401, 403, 404, e403="Not enrolled", e404="No such course, chapter or video"))
def chapter_video(user: OptionalViewer, course_id: str, chapter_id: str) -> RedirectResponse:
    """302 to a URL of the video valid for a few minutes (enrolled students, the tutor, admins)."""
    with session_scope(read_only=True) as session:
        url = watching.video_url(session, viewer=user, course_id=course_id, chapter_id=chapter_id)
    return RedirectResponse(url, status_code=302, headers={"Cache-Control": "private, no-store"})


@router.get("/course-videos/{chapter_id}", response_class=FileResponse,
            responses={**error_responses(403, e403="The link expired or is not valid"),
                       206: {"description": "The requested byte range"}})
def serve_video(chapter_id: str, expires: Annotated[int, Query()] = 0,
                sig: Annotated[str, Query(max_length=64)] = "") -> FileResponse:
    """The video's bytes for a valid signed URL; `Range: bytes=…` answers 206."""
    with session_scope(read_only=True) as session:
        path, content_type = watching.video_file(session, chapter_id=chapter_id, expires=expires, sig=sig)
    return FileResponse(path, media_type=content_type,
                        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})

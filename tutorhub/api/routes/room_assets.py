"""The video room's browser libraries, served from Debian's packages (`make janus`):
`libjs-janus-gateway` (janus.js, the Janus client) and `libjs-webrtc-adapter` (adapter.js, which
janus.js expects). Served from this origin so the page's `script-src 'self'` covers them and the
versions are the ones the installed Janus was released with; 404 when the package is missing (the
room then shows the meeting link). Our own client is assets/js/room.js.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

router = APIRouter(tags=["rooms"], include_in_schema=False)

FILES = {
    "janus.js": Path("/usr/share/javascript/janus-gateway/janus.min.js"),
    "adapter.js": Path("/usr/share/javascript/webrtc-adapter/adapter.min.js"),
}


@router.get("/vendor/{name}")
def vendor_script(name: str) -> FileResponse:
    path = FILES.get(name)
    if path is None or not path.is_file():
        raise HTTPException(404, "Not found")
    return FileResponse(path, media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"})

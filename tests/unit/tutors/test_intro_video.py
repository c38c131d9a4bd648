"""The intro video's embed URL: only YouTube and Vimeo, rebuilt from a checked id on their
privacy-friendly players; anything else (lookalike hosts included) stays a plain link."""

from __future__ import annotations

import pytest

from tutorhub.api.security_headers import page_csp
from tutorhub.services.tutors.intro_video import intro_video_embed, video_host
from tutorhub.settings import get_settings

YT = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0"


@pytest.mark.parametrize(
    ("url", "embed"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", YT),
        ("https://youtube.com/watch?v=dQw4w9WgXcQ&list=PL123&index=2", YT),
        ("http://m.youtube.com/watch?v=dQw4w9WgXcQ", YT),
        ("https://youtu.be/dQw4w9WgXcQ", YT),
        ("https://youtu.be/dQw4w9WgXcQ?t=90", YT + "&start=90"),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1m30s", YT + "&start=90"),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", YT),
        ("https://www.youtube.com/embed/dQw4w9WgXcQ", YT),
        ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", YT),
        ("  https://WWW.YOUTUBE.COM/watch?v=dQw4w9WgXcQ  ", YT),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
        ("https://vimeo.com/76979871/abc123def0", "https://player.vimeo.com/video/76979871?dnt=1&h=abc123def0"),
        ("https://player.vimeo.com/video/76979871?h=abc123def0&autoplay=1",
         "https://player.vimeo.com/video/76979871?dnt=1&h=abc123def0"),
    ],
)
def test_known_hosts_get_a_privacy_friendly_player(url, embed):
    assert intro_video_embed(url) == embed


@pytest.mark.parametrize(
    "url",
    [
        "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        "https://evil.example/youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtube.com@evil.example/watch?v=dQw4w9WgXcQ",
        "https://user:pass@youtube.com/watch?v=dQw4w9WgXcQ",
        "https://notyoutube.com/watch?v=dQw4w9WgXcQ",
        "https://youtu.be.evil.example/dQw4w9WgXcQ",
        "https://vimeo.com.evil.example/76979871",
        "https://evilvimeo.com/76979871",
        "https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ",
        "javascript:alert(1)//youtube.com/watch?v=dQw4w9WgXcQ",
        "ftp://youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ%22onload%3D",
        'https://www.youtube.com/embed/dQw4w9WgXc"><script>',
        "https://www.youtube.com/channel/UCabcdefghijk",
        "https://vimeo.com/channels/staffpicks/76979871",
        "https://vimeo.com/abc",
        "https://[::1/watch",
        "",
        None,
        42,
    ],
)
def test_anything_else_is_not_embedded(url):
    assert intro_video_embed(url) == ""


def test_the_plain_link_names_its_host():
    assert video_host("https://www.loom.com/share/abc") == "loom.com"
    assert video_host("not a url") == ""
    assert video_host(None) == ""


def test_the_pages_allow_frames_from_exactly_those_players():
    csp = page_csp(get_settings(), "/tutors/5", ())
    [frame_src] = [d for d in csp.split("; ") if d.startswith("frame-src")]
    assert frame_src == "frame-src 'self' https://www.youtube-nocookie.com https://player.vimeo.com"
    assert "frame-ancestors 'none'" in csp

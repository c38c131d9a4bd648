"""Set-up for the video-room browser tests, written straight into the running app's database (the
app has no clock of its own to move: lessons are placed a couple of minutes ahead of the real clock,
inside the join window whatever the hour), and a way to read WebRTC stats from a page."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine
from sqlmodel import Session

from tests.e2e.conftest import APP_ENV
from tests.e2e.test_scheduling import PASSWORD
from tutorhub.models import Booking, BookingStatus, ClassEnrolment, ClassSession, GroupClass, Role
from tutorhub.services.accounts import passwords
from tutorhub.services.actor import UserOut
from tutorhub.services.tutors import profiles, verification

# framesDecoded of every subscriber connection of the page's room (one per other participant).
FRAMES_JS = """async () => {
  const room = window.TutorRoom && window.TutorRoom.instances[window.TutorRoom.instances.length - 1];
  if (!room) return [];
  const out = [];
  for (const pc of room.peerConnections().slice(1)) {
    let frames = 0;
    (await pc.getStats()).forEach((s) => { if (s.type === "inbound-rtp" && s.kind === "video") frames += s.framesDecoded || 0; });
    out.push(frames);
  }
  return out;
}"""

# What the page's own publisher sends: the camera constraints (front camera), mute states, the video
# sender's track.
LOCAL_MEDIA_JS = """() => {
  const room = window.TutorRoom.instances[window.TutorRoom.instances.length - 1];
  const cam = room.stream && room.stream.getVideoTracks()[0];
  const pc = room.peerConnections()[0];
  const sender = pc && pc.getSenders().find((s) => s.track && s.track.kind === "video");
  return { facingMode: cam ? cam.getConstraints().facingMode : null,
           audioMuted: room.pub ? room.pub.isAudioMuted() : null, videoMuted: room.pub ? room.pub.isVideoMuted() : null,
           sending: sender ? { label: sender.track.label, enabled: sender.track.enabled } : null };
}"""

# Whether the preview's track of a kind ("video" | "audio") is live from the device with this id.
PREVIEW_DEVICE_JS = """([kind, id]) => {
  const room = window.TutorRoom.instances[window.TutorRoom.instances.length - 1];
  const track = room.stream && (kind === "video" ? room.stream.getVideoTracks() : room.stream.getAudioTracks())[0];
  return !!track && track.readyState === "live" && track.getSettings().deviceId === id;
}"""

# The device id of the microphone track the page's publisher sends.
MIC_JS = """() => {
  const pc = window.TutorRoom.instances[window.TutorRoom.instances.length - 1].peerConnections()[0];
  const sender = pc.getSenders().find((s) => s.track && s.track.kind === "audio");
  return sender ? sender.track.getSettings().deviceId : null;
}"""

# The page's current Janus session id (a new one after a reconnect).
SESSION_JS = """() => {
  const room = window.TutorRoom && window.TutorRoom.instances[window.TutorRoom.instances.length - 1];
  return room && room.janus && room.inCall ? room.janus.getSessionId() : null;
}"""


def app_db() -> Session:
    return Session(create_engine(APP_ENV["REFLEX_DB_URL"]), expire_on_commit=False)


def user(db: Session, email: str, name: str, role: str = Role.STUDENT) -> UserOut:
    made = passwords.register(db, email=email, password=PASSWORD, full_name=name, role=role, timezone="Europe/Berlin")
    db.commit()
    return made


def approved_tutor(db: Session, email: str, name: str = "Tara Tutor") -> tuple[UserOut, int]:
    tutor = user(db, email, name, Role.TUTOR)
    admin = passwords.create_admin(db, email="video-" + email, password=PASSWORD, full_name="Admin")
    profile = profiles.update_own_profile(db, actor=tutor, data={
        "headline": "Physics live", "bio": "Teaching online.", "subjects": [{"subject": "physics", "grades": ["high"]}],
        "languages": ["English"], "hourly_rate": 3000, "currency": "EUR", "city": "Berlin", "modes": ["online"]})
    profiles.submit_for_review(db, actor=tutor)
    verification.approve_tutor(db, actor=admin, tutor_id=profile.id, notes="ok")
    db.commit()
    return tutor, profile.id


def lesson(db: Session, student: UserOut, tutor_id: int, *, start: datetime | None = None) -> int:
    """A confirmed 60-minute lesson starting `start` (default: two minutes from now)."""
    start = start or datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=2)
    row = Booking(student_id=student.id, tutor_id=tutor_id, subject="physics", start_at=start,
                  end_at=start + timedelta(minutes=60), duration_min=60, block_start=start,
                  block_end=start + timedelta(minutes=60), status=BookingStatus.CONFIRMED, currency="EUR",
                  room_key="tutorhub-" + secrets.token_urlsafe(16), confirmed_at=start - timedelta(days=1))
    db.add(row)
    db.commit()
    assert row.id is not None
    return row.id


def class_session(db: Session, tutor_id: int, students: list[UserOut]) -> tuple[int, int]:
    """A published class with one session starting two minutes from now and these students enrolled."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=2)
    cls = GroupClass(tutor_id=tutor_id, title="Group physics", subject="physics", capacity=8, seats_taken=len(students),
                     price_minor=0, currency="EUR", duration_min=60, timezone="UTC", rrule="FREQ=DAILY;COUNT=1",
                     first_start_local=start.strftime("%Y-%m-%dT%H:%M"), first_start_at=start,
                     last_end_at=start + timedelta(minutes=60), session_count=1, status="PUBLISHED")
    db.add(cls)
    db.flush()
    assert cls.id is not None
    row = ClassSession(class_id=cls.id, tutor_id=tutor_id, seq=1, start_at=start, end_at=start + timedelta(minutes=60),
                       block_start=start, block_end=start + timedelta(minutes=60), blocking=True,
                       room_key=secrets.token_urlsafe(24))
    db.add(row)
    for s in students:
        db.add(ClassEnrolment(class_id=cls.id, student_id=s.id, status="ENROLLED", enrolled_at=start))
    db.commit()
    assert row.id is not None
    return cls.id, row.id

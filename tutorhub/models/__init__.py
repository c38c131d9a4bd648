"""All tables; importing this package registers every table on SQLModel.metadata."""

from tutorhub.models.accounts import (
    AuthSession,
    LoginEvent,
    OtpCode,
    RefreshToken,
    Role,
    StudentProfile,
    User,
)
from tutorhub.models.notifications import OutboxMessage
from tutorhub.models.scheduling import (
    AvailabilityOverride,
    AvailabilityRule,
    BusyInterval,
    BusySource,
    SchedulingSettings,
    StudentSchedulePrefs,
    TutorFreeSlots,
)
from tutorhub.models.tutors import (
    CredentialDocument,
    TutorLanguage,
    TutorProfile,
    TutorStatus,
    TutorSubject,
    VerificationDecision,
)

__all__ = [
    "AuthSession",
    "AvailabilityOverride",
    "AvailabilityRule",
    "BusyInterval",
    "BusySource",
    "CredentialDocument",
    "LoginEvent",
    "OtpCode",
    "OutboxMessage",
    "RefreshToken",
    "Role",
    "SchedulingSettings",
    "StudentSchedulePrefs",
    "StudentProfile",
    "TutorFreeSlots",
    "TutorLanguage",
    "TutorProfile",
    "TutorStatus",
    "TutorSubject",
    "User",
    "VerificationDecision",
]

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
    "CredentialDocument",
    "LoginEvent",
    "OtpCode",
    "OutboxMessage",
    "RefreshToken",
    "Role",
    "StudentProfile",
    "TutorLanguage",
    "TutorProfile",
    "TutorStatus",
    "TutorSubject",
    "User",
    "VerificationDecision",
]

"""A student's preferred weekly lesson times and lesson length (input to "best times" and to the
"free in my preferred times" search filter).

The windows are in the student's own timezone, the one on their learning profile; this page
shows it but does not change it (the learning profile does, for the whole account).
"""

from __future__ import annotations

import reflex as rx

from tutorhub.services.errors import DomainError, Forbidden, NotAuthenticated
from tutorhub.services.scheduling import student_windows
from tutorhub.services.scheduling.student_windows import StudentWindowsOut
from tutorhub.state.base import AppState, form_failure, form_text
from tutorhub.state.scheduling.week_grid import WeekGridMixin, grid_from_intervals, intervals_from_grid


class StudentTimesState(WeekGridMixin, AppState):
    status: str = "loading"
    timezone: str = "UTC"
    lesson_length: str = "60"
    errors: dict[str, str] = {}
    message: str = ""
    form_key: int = 0
    saved_once: bool = False

    def _fill(self, out: StudentWindowsOut) -> None:
        self.timezone, self.lesson_length = out.timezone, str(out.lesson_length)
        self._reset_grid(grid_from_intervals((w.weekday, w.start, w.end) for w in out.windows))
        self.form_key += 1

    def _denied(self, exc: DomainError):
        if isinstance(exc, NotAuthenticated):
            return self._login_redirect()
        self.status = "forbidden"
        return rx.toast.error(exc.message)

    async def load(self):
        self.status, self.errors, self.message, self.saved_once = "loading", {}, "", False
        try:
            out = await self._db(lambda s, actor: student_windows.get_student_windows(s, actor=actor))
        except (NotAuthenticated, Forbidden) as exc:
            return self._denied(exc)
        self._fill(out)
        self.status = "ready"
        return None

    async def save(self, form: dict):
        # The service parses the length (digits as text included) and says what is wrong with it.
        length = form_text(form, "lesson_length", 10).strip()
        data = {"windows": intervals_from_grid(self.grid), "lesson_length": length}
        self.errors, self.message = {}, ""
        try:
            out = await self._db(lambda s, actor: student_windows.save_student_windows(s, actor=actor, data=data))
        except (NotAuthenticated, Forbidden) as exc:
            return self._denied(exc)
        except DomainError as exc:
            errors, self.message = form_failure(exc)
            self.errors = {("windows" if k.startswith("windows") else k): v for k, v in errors.items()}
            return None
        self._fill(out)
        self.saved_once = True
        return rx.toast.success("Preferred times saved")

"""Rows the scheduling pages render, built from the scheduling services' DTOs and already
formatted ("Tue 16 Mar", "17:00", "21:30 Wed"), so pages stay dumb and only what is shown
reaches the browser."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

from tutorhub.services.scheduling.availability import OverrideOut
from tutorhub.services.scheduling.slot_weeks import WeekSlots
from tutorhub.services.scheduling.slots import BestTimes, ProposalOut, SlotOut
from tutorhub.state.lesson_views import other_clock

MAX_SLOTS_PER_DAY = 48  # a day's list beyond this is summarized as "+N more"


@dataclasses.dataclass
class OverrideRow:
    key: str = ""  # "2027-03-29" or "2027-12-24/2028-01-02" (what remove_override takes)
    title: str = ""
    detail: str = ""
    kind: str = ""  # "off", "holiday" or "hours"


@dataclasses.dataclass
class SlotView:
    """One free time. Only two fields reach the browser: a tutor's open week is up to 7 × 48 of
    these in one update, and the viewer's wall clock and the chip's label were two more fields
    per time (28 kB a week; benchmarks/bench_realtime.py wants an update ≤ 20 kB). Pages derive
    them with `slot_time` / `slot_label`; the properties give Python the same strings."""

    tutor_time: str = ""  # tutor's wall clock when it differs ("21:30", "02:30 Wed"), else ""
    start: str = ""  # the instant (ISO, viewer's zone: "2027-03-29T17:00:00+02:00") — what booking opens with

    @property
    def time(self) -> str:
        """The viewer's wall clock, "17:00" (the ISO start's hours and minutes)."""
        return self.start[11:16]

    @property
    def label(self) -> str:
        """"17:00 for you · 21:30 for your tutor", or "17:00" when both clocks agree."""
        return f"{self.time} for you · {self.tutor_time} for your tutor" if self.tutor_time else self.time


@dataclasses.dataclass
class DayView:
    key: str = ""
    weekday: str = ""
    date: str = ""
    slots: list[SlotView] = dataclasses.field(default_factory=list)
    more: int = 0
    is_today: bool = False


@dataclasses.dataclass
class ProposalView:
    day: str = ""
    time: str = ""
    tutor_time: str = ""
    score: int = 0
    fit: str = ""  # the score in words ("Best fit"), shown instead of the bare number
    why: str = ""
    start: str = ""  # ISO instant, for booking it


def day_title(day: date, *, year: bool = False) -> str:
    text = f"{day:%a} {day.day} {day:%b}"
    return f"{text} {day.year}" if year else text


def range_title(first: date, last: date) -> str:
    """'24 Dec 2027 – 2 Jan 2028', '3 – 9 Mar 2027', '28 Feb – 6 Mar 2027'."""
    if first.year != last.year:
        return f"{first.day} {first:%b} {first.year} – {last.day} {last:%b} {last.year}"
    if first.month != last.month:
        return f"{first.day} {first:%b} – {last.day} {last:%b} {last.year}"
    return f"{first.day} – {last.day} {last:%b} {last.year}"


def override_rows(overrides: list[OverrideOut], today: date) -> tuple[list[OverrideRow], int]:
    """Upcoming overrides (from `today`), consecutive days off merged into one holiday row;
    and how many past ones there are (kept, not shown)."""
    rows: list[OverrideRow] = []
    past = 0
    run: list[date] = []

    def flush() -> None:
        if not run:
            return
        first, last = run[0], run[-1]
        if first == last:
            rows.append(
                OverrideRow(key=first.isoformat(), title=day_title(first, year=True), detail="Day off", kind="off")
            )
        else:
            count = (last - first).days + 1
            rows.append(
                OverrideRow(
                    key=f"{first.isoformat()}/{last.isoformat()}",
                    title=range_title(first, last),
                    detail=f"Holiday · {count} days off",
                    kind="holiday",
                )
            )
        run.clear()

    for item in sorted(overrides, key=lambda o: o.date):
        day = date.fromisoformat(item.date)
        if day < today:
            past += 1
            continue
        if not item.intervals:
            if run and day - run[-1] != timedelta(days=1):
                flush()
            run.append(day)
            continue
        flush()
        hours = ", ".join(f"{i.start}–{i.end}" for i in item.intervals)
        rows.append(
            OverrideRow(key=item.date, title=day_title(day, year=True), detail=f"Available {hours}", kind="hours")
        )
    flush()
    return rows, past


def _wall(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def slot_view(slot: SlotOut) -> SlotView:
    return SlotView(tutor_time=other_clock(slot.start, slot.tutor_start), start=slot.start)


def day_views(week: WeekSlots, today: date) -> list[DayView]:
    out = []
    for day in week.days:
        value = date.fromisoformat(day.date)
        shown = day.slots[:MAX_SLOTS_PER_DAY]
        out.append(
            DayView(
                key=day.date,
                weekday=f"{value:%a}",
                date=f"{value.day} {value:%b}",
                slots=[slot_view(s) for s in shown],
                more=len(day.slots) - len(shown),
                is_today=value == today,
            )
        )
    return out


def week_title(week: WeekSlots) -> str:
    first = date.fromisoformat(week.first_day)
    return range_title(first, first + timedelta(days=6))


def fit_words(score: int) -> str:
    """The best-time score (0–100, services/scheduling/engine/best_times.py) in words: a bare "100"
    in a green badge meant nothing to students."""
    if score >= 100:
        return "Best fit"
    return "Good fit" if score >= 80 else "Fits your times"


def _why(p: ProposalOut) -> str:
    if p.score >= 100:
        return "Fits your times and leaves the tutor's day in one piece."
    parts = []
    if p.wasted_min:
        parts.append(f"leaves {p.wasted_min} min the tutor cannot use")
    if p.splits_stretch:
        parts.append("splits a free stretch of the tutor's day in two")
    return "Fits your times, but " + " and ".join(parts) + "." if parts else "Fits your times."


def proposal_views(best: BestTimes) -> list[ProposalView]:
    out = []
    for p in best.proposals:
        view = slot_view(p)
        start, end = _wall(p.start), _wall(p.end)
        out.append(
            ProposalView(
                day=day_title(start.date()),
                time=f"{view.time}–{end:%H:%M}",
                tutor_time=view.tutor_time,
                score=p.score,
                fit=fit_words(p.score),
                why=_why(p),
                start=p.start,
            )
        )
    return out

"""The deterministic offline planner: a 4-week plan from the shipped syllabus catalogue.

1. Weak areas first. Each weak area is matched to a course topic (by words in common); matched
   topics and their prerequisites, in course order, fill weeks 1–2 as short "review and practise"
   tasks; a weak area the course does not know becomes its own practice task there. Each gets an
   equal share of the two weeks' minutes (at least 15); a prerequisite that no longer fits is
   left out (the student is taken to know it) rather than placed after what depends on it.
2. The rest of the course follows in course order (which respects prerequisites): for each topic
   a "learn" task and a "practise" task (about 60/40 of its typical time), packed into the weeks
   without exceeding `hours_per_week` (a task longer than a week is shortened to fit).
3. Any time left in week 4 (and any empty week) becomes revision and a timed self-test, the part
   of the plan where a lesson with a tutor is offered.

Same input, same plan: no randomness, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from tutorhub.services.learning.plan_schema import WEEKS, PlanDraft, TaskDraft, TopicDraft, WeekDraft
from tutorhub.services.learning.syllabus import Course, Topic, find_course

MIN_TASK = 15
_WORD_RE = re.compile(r"[a-z0-9]+")
_STOP = {"and", "the", "of", "in", "a", "to", "with", "basics", "introduction", "its"}


@dataclass(frozen=True)
class PlanRequest:
    subject: str
    grade: str
    goal: str
    hours_per_week: int
    weak_areas: tuple[str, ...] = ()
    exam_date: date | None = None


@dataclass
class _Item:
    topic: str
    task: TaskDraft


@dataclass
class _Week:
    budget: int  # the student's hours: never exceeded
    target: int = 0  # how full the course part should make it (spreads a short course over 4 weeks)
    items: list[_Item] = field(default_factory=list)

    @property
    def used(self) -> int:
        return sum(i.task.minutes for i in self.items)

    @property
    def free(self) -> int:
        return min(self.target or self.budget, self.budget) - self.used

    @property
    def spare(self) -> int:
        return self.budget - self.used

    def topic_count(self) -> int:
        return len({i.topic for i in self.items})

    def takes(self, item: _Item) -> bool:
        new_topic = all(i.topic != item.topic for i in self.items)
        return self.free >= min(item.task.minutes, MIN_TASK) and not (new_topic and self.topic_count() >= 8)


def _words(text: str) -> set[str]:
    return {w for w in _WORD_RE.findall(text.lower()) if w not in _STOP and len(w) > 1}


def _alike(a: str, b: str) -> bool:
    """Same word, or one abbreviates the other ("trig" / "trigonometry", "eqn" not)."""
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


def match_topic(course: Course, weak_area: str) -> Topic | None:
    """The course topic sharing the most words with the weak area (ties: the earlier topic)."""
    wanted = _words(weak_area)
    best, score = None, 0
    for topic in course.topics:
        have = _words(topic.title)
        common = sum(1 for w in wanted if any(_alike(w, h) for h in have))
        if common > score:
            best, score = topic, common
    return best


def _closure(course: Course, topics: list[Topic]) -> list[Topic]:
    """The topics with their prerequisites, transitively, in course order."""
    wanted: set[str] = set()
    stack = [t.title for t in topics]
    while stack:
        title = stack.pop()
        if title in wanted:
            continue
        wanted.add(title)
        found = course.topic(title)
        if found is not None:
            stack.extend(found.prerequisites)
    return [t for t in course.topics if t.title in wanted]


def _round5(minutes: float) -> int:
    return max(5, int(minutes) // 5 * 5)


def _weak_block(course: Course, weak_areas: tuple[str, ...], budget: int) -> tuple[list[_Item], set[str]]:
    matched: list[Topic] = []
    unknown: list[str] = []
    for area in weak_areas:
        topic = match_topic(course, area)
        if topic is None:
            unknown.append(area)
        elif topic not in matched:
            matched.append(topic)
    must = len(matched) + len(unknown)
    if must == 0:
        return [], set()
    share = _round5(budget * 2 / must)
    topics = _closure(course, matched)
    # Prerequisites first only while every weak area still gets at least MIN_TASK minutes.
    spare = budget * 2 - must * min(share, MIN_TASK)
    kept: list[Topic] = []
    for topic in topics:
        if topic in matched:
            kept.append(topic)
        elif spare >= MIN_TASK * 2 and all(p in {k.title for k in kept} or course.topic(p) is None
                                           for p in topic.prerequisites):
            kept.append(topic)
            spare -= MIN_TASK * 2
    count = len(kept) + len(unknown)
    share = max(MIN_TASK, min(_round5(budget * 2 / count), 120))
    items = [
        _Item(t.title, TaskDraft(
            title=f"Review and practise: {t.title}",
            description=("Go back over the key ideas, then do a short set of practice questions. "
                         + (f"Watch for: {'; '.join(t.mistakes[:2])}." if t.mistakes else "")).strip(),
            minutes=share, book_lesson=t in matched))
        for t in kept
    ]
    items += [
        _Item(f"Weak area: {area[:100]}", TaskDraft(
            title=f"Targeted practice: {area[:120]}",
            description="Collect the questions you get wrong on this and redo them until they are right.",
            minutes=share, book_lesson=True))
        for area in unknown
    ]
    return items, {t.title for t in topics}  # dropped prerequisites are not taught after what needs them


def _pack(weeks: list[_Week], items: list[_Item], start: int) -> int:
    """Place items in order from week `start`; returns the week index reached."""
    index = start
    for item in items:
        while index < len(weeks) and not weeks[index].takes(item):
            index += 1
        if index >= len(weeks):
            break
        minutes = min(item.task.minutes, _round5(weeks[index].free))
        weeks[index].items.append(_Item(item.topic, item.task.model_copy(update={"minutes": minutes})))
    return min(index, len(weeks) - 1)


def _course_items(course: Course, skip: set[str]) -> list[_Item]:
    items = []
    for topic in course.topics:
        if topic.title in skip:
            continue
        learn = _round5(topic.minutes * 0.6)
        items.append(_Item(topic.title, TaskDraft(
            title=f"Learn: {topic.title}", minutes=max(learn, MIN_TASK),
            description="Read the notes or textbook section and work through the examples.")))
        items.append(_Item(topic.title, TaskDraft(
            title=f"Practise: {topic.title}", minutes=max(_round5(topic.minutes - learn), MIN_TASK),
            description=("Do 8–10 practice questions and check them. "
                         + (f"Common mistakes: {'; '.join(topic.mistakes[:2])}." if topic.mistakes else "")).strip())))
    return items


def _finish(weeks: list[_Week], request: PlanRequest) -> None:
    exam = f" before the exam on {request.exam_date.isoformat()}" if request.exam_date else ""
    for number, week in enumerate(weeks, start=1):
        if week.items and number < WEEKS:
            continue
        week.target = week.budget
        if week.free < MIN_TASK:
            continue
        test = min(60, week.free // 2)
        if test >= MIN_TASK:
            week.items.append(_Item("Revision and self-test", TaskDraft(
                title="Timed self-test", minutes=_round5(test), book_lesson=True,
                description=f"A timed set of mixed questions{exam}; mark it and note what to revisit.")))
        if week.free >= MIN_TASK:
            week.items.append(_Item("Revision and self-test", TaskDraft(
                title="Revise the week's mistakes", minutes=_round5(min(week.free, 120)),
                description="Redo every question you got wrong this week without looking at the solution.")))


def _week_draft(number: int, week: _Week) -> WeekDraft:
    topics: list[TopicDraft] = []
    for item in week.items:
        if topics and topics[-1].title == item.topic and len(topics[-1].tasks) < 8:
            topics[-1].tasks.append(item.task)
        else:
            topics.append(TopicDraft(title=item.topic[:120], tasks=[item.task]))
    return WeekDraft(week=number, topics=topics[:8])


def offline_plan(request: PlanRequest) -> PlanDraft:
    """The plan for `request` (normalized subject and grade; 1–40 hours; at most 5 weak areas)."""
    course = find_course(request.subject, request.grade)
    budget = request.hours_per_week * 60
    weeks = [_Week(budget) for _ in range(WEEKS)]
    weak_items, covered = _weak_block(course, request.weak_areas, budget)
    _pack(weeks[:2], weak_items, 0)
    rest = _course_items(course, covered)
    total = sum(w.used for w in weeks) + sum(i.task.minutes for i in rest)
    for week in weeks:  # spread the course evenly when the hours allow more than it needs
        week.target = max(week.used, -(-total // WEEKS) + MIN_TASK)
    reached = 1 if weak_items and weeks[0].free < MIN_TASK else 0
    _pack(weeks, rest, reached)
    _finish(weeks, request)
    return PlanDraft(weeks=[_week_draft(n, w) for n, w in enumerate(weeks, start=1)])

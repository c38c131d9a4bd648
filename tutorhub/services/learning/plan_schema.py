"""The study plan's shape: 4 weeks → topics → tasks, checked before anything is stored.

The same strict schema is the tool's `input_schema` Claude must answer with, and the check every
draft passes (Claude's or the offline planner's): `check_draft` returns the list of problems
(sent back to Claude once on a retry), or an empty list. Everything is plain text; nothing a
model writes is ever rendered as HTML or executed.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

WEEKS = 4
MAX_TOPICS_PER_WEEK = 8
MAX_TASKS_PER_TOPIC = 8


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class TaskDraft(_Strict):
    title: str = Field(min_length=1, max_length=160)
    description: str = Field(default="", max_length=600)
    minutes: int = Field(ge=5, le=600)
    book_lesson: bool = False


class TopicDraft(_Strict):
    title: str = Field(min_length=1, max_length=120)
    tasks: list[TaskDraft] = Field(min_length=1, max_length=MAX_TASKS_PER_TOPIC)


class WeekDraft(_Strict):
    week: int = Field(ge=1, le=WEEKS)
    topics: list[TopicDraft] = Field(min_length=1, max_length=MAX_TOPICS_PER_WEEK)


class PlanDraft(_Strict):
    weeks: list[WeekDraft] = Field(min_length=WEEKS, max_length=WEEKS)

    def week_minutes(self) -> list[int]:
        return [sum(t.minutes for topic in w.topics for t in topic.tasks) for w in self.weeks]


def _task_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["title", "description", "minutes", "book_lesson"],
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": 160},
            "description": {"type": "string", "maxLength": 600},
            "minutes": {"type": "integer", "minimum": 5, "maximum": 600},
            "book_lesson": {"type": "boolean", "description": "true when a lesson with a tutor would help most"},
        },
    }


PLAN_JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["weeks"],
    "properties": {
        "weeks": {
            "type": "array",
            "minItems": WEEKS,
            "maxItems": WEEKS,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["week", "topics"],
                "properties": {
                    "week": {"type": "integer", "minimum": 1, "maximum": WEEKS},
                    "topics": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": MAX_TOPICS_PER_WEEK,
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["title", "tasks"],
                            "properties": {
                                "title": {"type": "string", "minLength": 1, "maxLength": 120},
                                "tasks": {"type": "array", "minItems": 1, "maxItems": MAX_TASKS_PER_TOPIC,
                                          "items": _task_schema()},
                            },
                        },
                    },
                },
            },
        }
    },
}


def check_draft(data: Any, *, hours_per_week: int) -> tuple[PlanDraft | None, list[str]]:
    """(the plan, []) when `data` fits the schema and the student's weekly hours; else (None, problems)."""
    try:
        draft = PlanDraft.model_validate(data)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc']) or 'plan'}: {e['msg']}" for e in exc.errors()[:20]]
        return None, problems
    problems = []
    if [w.week for w in draft.weeks] != list(range(1, WEEKS + 1)):
        problems.append("weeks: must be numbered 1, 2, 3, 4 in order")
    budget = hours_per_week * 60
    for number, minutes in enumerate(draft.week_minutes(), start=1):
        if minutes > budget:
            problems.append(f"weeks.{number - 1}: {minutes} minutes of tasks exceed the {budget} minutes available")
    return (None, problems) if problems else (draft, [])

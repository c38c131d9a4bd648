"""/help/ranking: the parts of the match score, read from services/tutors/ranking.py (no drift)."""

from __future__ import annotations

import dataclasses

from tutorhub.services.tutors.ranking import EXPLAINED, WEIGHTS
from tutorhub.state.base import AppState

LABELS = {"rating": "rating", "trust": "trust", "response": "response", "price": "price fit", "fit": "subject fit",
          "availability": "availability", "distance": "distance"}


@dataclasses.dataclass
class ScorePart:
    term: str = ""  # "25 × rating"
    text: str = ""


class RankingHelpState(AppState):
    parts: list[ScorePart] = []

    def load(self):
        """Public, read-only: the formula's parts."""
        self.parts = [ScorePart(term=f"{WEIGHTS[k]} × {LABELS[k]}", text=EXPLAINED[k]) for k in WEIGHTS]

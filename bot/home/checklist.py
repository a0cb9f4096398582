"""The admin's set-up checklist: a team, a digest channel, a rollout.

Derived from the database each time it is shown, so it ticks itself off as things are set
up, whichever way they were (typed commands, forms, another admin).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bot.services import Services
from storage import digests, rollouts, teams


@dataclass(frozen=True)
class Checklist:
    team: bool
    digest: bool
    rollout: bool

    @property
    def done(self) -> bool:
        return self.team and self.digest and self.rollout

    @property
    def state(self) -> str:
        """`team+digest`, or `none`: a readable key for "the welcome shows this state"."""
        ticked = [name for name, done in asdict(self).items() if done]
        return "+".join(ticked) or "none"


def setup_checklist(services: Services, team_id: str) -> Checklist:
    return Checklist(
        team=bool(teams.all_managers(services.db, team_id)),
        digest=bool(digests.subscriptions(services.db, team_id)),
        rollout=bool(rollouts.list_rollouts(services.db, team_id)),
    )

"""The welcome: one DM the first time someone opens Perspective, written for their role.

Sent through the claims ledger (`welcome:<team>:<user>`), so two Home opens racing in two
processes still send one. An admin's welcome carries the set-up checklist; when they open
the Home tab again and the checklist has changed, the welcome message is updated in place,
once per state (`welcome-checklist:<team>:<user>:<state>`).
"""

from __future__ import annotations

from bot.delivery import deliver_once, send_dm
from bot.home import blocks as render
from bot.home.checklist import Checklist, setup_checklist
from bot.services import Services
from bot.teams import ADMIN, Roles
from storage import claims

TEXT = "Welcome to Perspective"


def welcome_key(team_id: str, user_id: str) -> str:
    return f"welcome:{team_id}:{user_id}"


def _checklist_key(team_id: str, user_id: str, checklist: Checklist) -> str:
    return f"welcome-checklist:{team_id}:{user_id}:{checklist.state}"


def welcome_once(services: Services, team_id: str, user_id: str, roles: Roles) -> bool:
    """Send the welcome unless this person had it; True only when this call sent it.
    For an admin who had it, bring its checklist up to date instead."""
    checklist = setup_checklist(services, team_id)
    blocks = render.welcome(roles, checklist)
    now = services.clock()
    sent = deliver_once(
        services,
        team_id,
        welcome_key(team_id, user_id),
        now,
        lambda: send_dm(services, user_id, blocks, TEXT),
    )
    if roles.main != ADMIN:
        return sent
    if sent:
        _remember_shown(services, team_id, user_id, checklist)
    else:
        _update_checklist(services, team_id, user_id, roles, checklist)
    return sent


def _remember_shown(services: Services, team_id: str, user_id: str, checklist: Checklist) -> None:
    """The welcome just sent shows this state already: no update for it later."""
    key, now = _checklist_key(team_id, user_id, checklist), services.clock()
    if claims.claim_once(services.db, team_id, key, now):
        claims.complete(services.db, key, now)


def _update_checklist(
    services: Services, team_id: str, user_id: str, roles: Roles, checklist: Checklist
) -> None:
    """Re-render the admin's welcome once per checklist state it has not shown yet."""
    sent = claims.result_of(services.db, welcome_key(team_id, user_id))
    if not sent:
        return  # still being sent by another process, or never sent
    channel, ts = sent.split(":", 1)

    def update() -> str:
        blocks = render.welcome(roles, checklist)
        services.client.chat_update(channel=channel, ts=ts, blocks=blocks, text=TEXT)
        return sent

    deliver_once(
        services, team_id, _checklist_key(team_id, user_id, checklist), services.clock(), update
    )

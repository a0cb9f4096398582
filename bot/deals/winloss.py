"""The win/loss prompt: asked at once, reminded twice, then handed to the manager.

Every Slack send goes through `bot.delivery.deliver_once` with a key per closure
and step, so a resent webhook, a retry after a failed send, or three processes
ticking together can never ask or remind twice. The manager is not sent a message
of their own: the prompt joins their daily nudge.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError

from bot.deals import blocks as render
from bot.delivery import deliver_once
from bot.foreground import foreground
from bot.refusals import Refusal
from bot.services import Services
from bot.slack.blocks import Blocks
from storage import claims, deal_prompts, deals, intel, teams
from storage.deals import DealClosure, NewAnswer

log = logging.getLogger(__name__)

FIRST_REMINDER_AFTER = timedelta(hours=24)
SECOND_REMINDER_AFTER = timedelta(hours=72)
# The rep gets a day after the last reminder before their manager is told.
ESCALATE_AFTER_LAST_REMINDER = timedelta(hours=24)
# Follow-ups stop for prompts older than this (e.g. after a long outage): a first
# reminder about a deal that closed weeks ago is noise. Open prompts stay in App Home.
FOLLOW_UP_HORIZON = timedelta(days=14)
HOME_LIMIT = 5
# Slack's answers for an owner who left or cannot be messaged.
OWNER_GONE = frozenset({"user_not_found", "channel_not_found", "user_disabled", "cannot_dm_bot"})
NUDGE_LIMIT = 10


@dataclass(frozen=True)
class AnswerDraft:
    reason: str
    competitor: str | None
    customer_said: str
    talked_to_customer: bool
    marketing_note: str | None


# A queued prompt: services, the closure, the closures it replaces, claimed at intake.
Queued = tuple[Services, DealClosure, tuple[DealClosure, ...], bool]


class PromptQueue:
    """Sends new prompts in the background, so an intake returns before Slack is called.

    Each queued prompt was claimed when its deal was stored. A prompt that fails here
    releases its claim and the tick's `send_unsent_prompts` retries it; one dropped
    on shutdown releases its claim the same way.

    A burst queues thousands of prompts while requests go first (`bot.foreground`), so a
    queued prompt is one plain tuple: futures would give the garbage collector far more to scan.
    """

    # Each prompt first waits for a moment with no HTTP request in flight in this
    # process, at most this long (see `bot.foreground`).
    GIVE_WAY_AT_MOST = 1.0

    def __init__(self, workers: int = 2) -> None:
        self._workers = workers
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[Queued | None] = queue.SimpleQueue()
        self._senders: list[threading.Thread] = []

    def submit(
        self,
        services: Services,
        closure: DealClosure,
        replacing: list[DealClosure],
        *,
        claimed: bool,
    ) -> None:
        with self._lock:
            if not self._senders:
                self._senders = [self._start(self._queue) for _ in range(self._workers)]
            self._queue.put((services, closure, tuple(replacing), claimed))

    def drain(self, *, drop_queued: bool = False) -> None:
        """Wait for the queued prompts (an import does this before it exits).

        A server shutting down drops what is still queued instead (`drop_queued`):
        their claims are released, so those closures wait unprompted in the database
        for the next tick, and SIGTERM never waits behind a backlog of Slack calls.
        Prompts submitted meanwhile go to a new queue and new senders.
        """
        with self._lock:
            waiting, self._queue = self._queue, queue.SimpleQueue()
            senders, self._senders = self._senders, []
        dropped = _take_all(waiting) if drop_queued else []
        for _ in senders:
            waiting.put(None)
        for sender in senders:
            sender.join()
        for services, closure, _replacing, claimed in dropped:
            if claimed and closure.wants_prompt:
                claims.release(services.db, deals.prompt_claim_key(closure.id, closure.owner_id))

    def _start(self, waiting: queue.SimpleQueue[Queued | None]) -> threading.Thread:
        # A daemon: every process that queues prompts drains before it exits.
        sender = threading.Thread(target=self._work, args=(waiting,), name="winloss", daemon=True)
        sender.start()
        return sender

    def _work(self, waiting: queue.SimpleQueue[Queued | None]) -> None:
        """Send until `drain` puts the None that ends this sender."""
        while (queued := waiting.get()) is not None:
            self._send(*queued)

    def _send(
        self,
        services: Services,
        closure: DealClosure,
        replacing: tuple[DealClosure, ...],
        claimed: bool,
    ) -> None:
        foreground.wait_quiet(self.GIVE_WAY_AT_MOST)
        try:
            for old in replacing:
                close_prompt_message(services, old, render.superseded(old, closure.outcome))
            if closure.wants_prompt:
                send_prompt(services, closure, services.clock(), claimed=claimed)
        except Exception:
            log.exception("prompt for closure %s failed; a later tick retries it", closure.id)


def _take_all(waiting: queue.SimpleQueue[Queued | None]) -> list[Queued]:
    """Whatever no sender has taken yet."""
    taken: list[Queued] = []
    with contextlib.suppress(queue.Empty):
        while (queued := waiting.get_nowait()) is not None:
            taken.append(queued)
    return taken


prompts = PromptQueue()


def prompt_soon(
    services: Services,
    closure: DealClosure,
    replacing: list[DealClosure] | None = None,
    *,
    claimed: bool,
) -> None:
    """Queue the prompt DM; old prompts of a changed outcome lose their buttons first.

    `claimed`: the prompt's claim was taken when the closure was stored (an intake).
    """
    if closure.wants_prompt or replacing:
        prompts.submit(services, closure, replacing or [], claimed=claimed)


def send_prompt(
    services: Services, closure: DealClosure, now: datetime, *, claimed: bool = False
) -> bool:
    """DM the owner the reason buttons; True only when this call sent it (the claim decides).

    `claimed`: the intake that stored the closure claimed its prompt already.
    """
    if not closure.is_open or closure.prompted_at is not None:
        return False
    key = deals.prompt_claim_key(closure.id, closure.owner_id)

    def send() -> tuple[str, str] | None:
        try:
            reply = services.client.chat_postMessage(
                channel=closure.owner_id,
                text=_plain(render.question(closure)),
                blocks=render.prompt(closure),
                unfurl_links=False,
            )
        except SlackApiError as error:
            if error.response.get("error") not in OWNER_GONE:
                raise
            # Retrying cannot help: the deal waits in `/perspective deal unassigned`.
            log.warning("owner %s of closure %s cannot be reached", closure.owner_id, closure.id)
            deals.unassign(services.db, closure.id)
            return None
        return reply["channel"], reply["ts"]

    def finish(sent: tuple[str, str] | None) -> None:
        deal_prompts.mark_prompted(services.db, closure.id, sent, now, key)

    return deliver_once(services, closure.team_id, key, now, send, claimed=claimed, finish=finish)


def send_unsent_prompts(services: Services, now: datetime) -> None:
    """Scheduled: prompts whose background send failed or never ran."""
    for closure in deal_prompts.unprompted(services.db):
        send_prompt(services, closure, now)


def send_due_reminders(services: Services, now: datetime) -> None:
    """Scheduled: reminders in the prompt's thread at 24 h and 72 h, then the manager's nudge."""
    horizon = now - FOLLOW_UP_HORIZON
    for closure in deal_prompts.due_first_reminders(
        services.db, horizon, now - FIRST_REMINDER_AFTER
    ):
        _remind(services, closure, 1, now)
    due_second = deal_prompts.due_second_reminders(
        services.db, horizon, now - SECOND_REMINDER_AFTER, now - FIRST_REMINDER_AFTER
    )
    for closure in due_second:
        _remind(services, closure, 2, now)
    escalations = deal_prompts.due_escalations(
        services.db, horizon, now - ESCALATE_AFTER_LAST_REMINDER
    )
    for closure in escalations:
        _escalate(services, closure, now)


def _remind(services: Services, closure: DealClosure, step: int, now: datetime) -> None:
    def send() -> str:
        reply = services.client.chat_postMessage(
            channel=closure.prompt_channel,
            thread_ts=closure.prompt_ts,
            reply_broadcast=True,  # a thread reply alone may not notify the rep
            text=render.reminder(closure, step),
        )
        deal_prompts.mark_reminded(services.db, closure.id, step, now)
        return reply["ts"]

    deliver_once(services, closure.team_id, f"deal-reminder:{closure.id}:{step}", now, send)


def _escalate(services: Services, closure: DealClosure, now: datetime) -> None:
    """Hand the prompt to the owner's manager: it shows in their Home tab at once and in
    their next daily nudge, the one message a day Perspective sends them."""
    manager = teams.manager_of(services.db, closure.team_id, closure.owner_id or "")
    deal_prompts.mark_escalated(services.db, closure.id, manager, now)


def remind_from_manager(
    services: Services, team_id: str, manager_id: str, closure_id: int
) -> str | Refusal:
    """A manager's "Remind them": one reply in the rep's prompt thread per closure per day."""
    closure = deals.get_closure(services.db, team_id, closure_id)
    if closure is None or not closure.is_open or closure.prompt_ts is None:
        return Refusal("That win/loss question has been answered already — nothing to remind.")
    if closure.owner_id not in teams.reps_of(services.db, team_id, manager_id):
        return Refusal("Only the rep's manager can send a reminder from here.")
    now = services.clock()
    key = f"deal-manager-reminder:{closure.id}:{now:%Y-%m-%d}"

    def send() -> str:
        reply = services.client.chat_postMessage(
            channel=closure.prompt_channel,
            thread_ts=closure.prompt_ts,
            reply_broadcast=True,
            text=render.manager_reminder(closure, manager_id),
        )
        return reply["ts"]

    if deliver_once(services, team_id, key, now, send):
        return f"Reminded {_mention(closure)} about {render.deal_title(closure.deal)}."
    return f"{_mention(closure)} was already reminded about this today."


def check_answer(draft: AnswerDraft, outcome: str) -> dict[str, str]:
    """Inline errors by block id; empty when the answer can be stored."""
    errors: dict[str, str] = {}
    if draft.reason not in render.reasons_for(outcome):
        errors[render.REASON_BLOCK] = "Pick one of the reasons."
    if draft.reason in render.COMPETITOR_REASONS and not draft.competitor:
        errors["competitor"] = "Name the competitor, e.g. Gong."
    if not draft.customer_said:
        errors["customer_said"] = (
            "Write what the customer said — their words, even if you didn't talk to them."
        )
    elif len(draft.customer_said) > render.MAX_SAID_CHARS:
        errors["customer_said"] = f"Keep it under {render.MAX_SAID_CHARS:,} characters."
    if draft.competitor and len(draft.competitor) > render.MAX_COMPETITOR_CHARS:
        errors["competitor"] = f"Keep it under {render.MAX_COMPETITOR_CHARS} characters."
    return errors


def answerable(
    services: Services, team_id: str, user_id: str, closure_id: int
) -> DealClosure | Refusal:
    """The closure `user_id` may answer now, or why not."""
    closure = deals.get_closure(services.db, team_id, closure_id)
    if closure is None:
        return Refusal(
            "I can't find that deal any more. `/perspective deal help` shows what I know."
        )
    if closure.owner_id != user_id:
        return Refusal(f"This question is for {_mention(closure)}, who owns the deal.")
    if closure.answer is not None:
        return Refusal("You already answered this one — thank you!")
    if closure.superseded_at is not None:
        return Refusal(
            f"{render.deal_title(closure.deal)} is now recorded as {closure.deal.outcome}; "
            "answer the newer question instead."
        )
    return closure


def answer(
    services: Services, team_id: str, user_id: str, closure_id: int, draft: AnswerDraft
) -> DealClosure | Refusal:
    """Store the rep's reason and turn the prompt DM into a summary that cannot be answered twice."""
    closure = answerable(services, team_id, user_id, closure_id)
    if isinstance(closure, Refusal):
        return closure
    errors = check_answer(draft, closure.outcome)
    if errors:
        return Refusal(" ".join(errors.values()))
    if draft.competitor:
        # Known before the answer is stored, so the answer always counts for a competitor
        # (a term without an answer is harmless); notes already naming it count too.
        intel.learn_terms(services.db, team_id, [draft.competitor])
    stored = deals.add_answer(
        services.db,
        NewAnswer(
            team_id=team_id,
            closure_id=closure.id,
            reason=draft.reason,
            competitor=draft.competitor,
            customer_said=draft.customer_said,
            talked_to_customer=draft.talked_to_customer,
            marketing_note=draft.marketing_note,
            answered_by=user_id,
            answered_at=services.clock(),
        ),
    )
    if stored is None:
        return Refusal("You already answered this one — thank you!")
    closure = deals.closure_by_id(services.db, closure.id)
    assert closure is not None
    close_prompt_message(services, closure, render.answered(closure))
    return closure


def close_prompt_message(services: Services, closure: DealClosure, blocks: Blocks) -> None:
    """Replace the prompt DM's buttons (when it was sent) so it cannot be pressed again."""
    if closure.prompt_channel and closure.prompt_ts:
        services.client.chat_update(
            channel=closure.prompt_channel,
            ts=closure.prompt_ts,
            text=_plain(blocks[0]["text"]["text"]),
            blocks=blocks,
        )


def manager_nudge_section(
    services: Services, team_id: str, manager_id: str, rep_ids: list[str], now: datetime
) -> Blocks:
    """For the daily manager nudge: the reps' escalated, unanswered prompts; [] when none."""
    del manager_id, now  # the nudge's signature; escalation state alone decides what is listed
    closures = deal_prompts.escalated_for_reps(services.db, team_id, rep_ids, NUDGE_LIMIT + 1)
    if not closures:
        return []
    return render.team_waiting(closures[:NUDGE_LIMIT], len(closures) - NUDGE_LIMIT)


def home_my_prompts(services: Services, team_id: str, user_id: str) -> Blocks:
    """App Home: my pending win/loss prompts with their reason buttons."""
    closures = deal_prompts.pending_for_owner(services.db, team_id, user_id, HOME_LIMIT + 1)
    if not closures:
        return []
    return render.my_waiting(closures[:HOME_LIMIT], len(closures) - HOME_LIMIT)


def home_team_prompts(services: Services, team_id: str, user_id: str) -> Blocks:
    """App Home for managers: the escalated prompts their reps still owe."""
    reps = teams.reps_of(services.db, team_id, user_id)
    return manager_nudge_section(services, team_id, user_id, reps, services.clock())


def _mention(closure: DealClosure) -> str:
    return f"<@{closure.owner_id}>" if closure.owner_id else "the deal's owner"


def _plain(text: str) -> str:
    """Notification text (no formatting shown there), still safe to post."""
    return text.replace("*", "")

"""One message back to the field: marketing's positioning update, DMed to every rep on a
team, acknowledged with *Got it* or answered with a question, and reminded once.

Every DM goes through `deliver_once`: the first copies are claimed when the message is
stored and sent at once; a copy whose send failed is sent by the next tick; the reminder
after two working days in the rep's own zone is claimed by whichever tick gets there first.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.delivery import deliver_once, in_parallel, send_dm
from bot.intel import blocks as render
from bot.refusals import Refusal
from bot.services import Services
from bot.slack.mrkdwn import escape
from bot.teams import is_marketer
from storage import field_messages, teams
from storage.field_messages import FieldMessage, FieldMessageRecipient, NewFieldMessage

log = logging.getLogger(__name__)

WORKING_DAYS_BEFORE_REMINDER = 2
MAX_TITLE_CHARS = 150  # a header block's limit
MAX_TEXT_CHARS = 2900  # a section's 3,000, with room for the sender's line
MAX_QUESTION_CHARS = 2000
EXAMPLE = '`/perspective message "New pricing" Lead with the annual plan; it beats Gong on price.`'
MESSAGE = re.compile(r'^\s*["“”]([^"“”]*)["“”]\s*(.*)$', re.DOTALL)


@dataclass(frozen=True)
class Draft:
    title: str
    text: str


@dataclass(frozen=True)
class Status:
    pass


def read_command(text: str) -> Draft | Status | Refusal:
    """`"<title>" <text>` is a message to send; `status` asks who acknowledged the last one."""
    if text.strip().lower() == "status":
        return Status()
    match = MESSAGE.match(text)
    title, body = (match.group(1).strip(), match.group(2).strip()) if match else ("", "")
    if not title or not body:
        return Refusal(f"Give the message a title in quotes, then the text: {EXAMPLE}")
    if len(title) > MAX_TITLE_CHARS:
        return Refusal(f"Keep the title to {MAX_TITLE_CHARS} characters; it is {len(title)}.")
    if len(escape(body)) > MAX_TEXT_CHARS:  # as Slack counts it, escaped
        return Refusal(
            f"The message is {len(body):,} characters; the limit is about {MAX_TEXT_CHARS:,}. "
            "Link to the full write-up instead."
        )
    return Draft(title, body)


def may_message_the_field(services: Services, team_id: str, user_id: str) -> bool:
    """The one check of who may send a message and read its status: admins and marketers."""
    return services.is_admin(user_id) or is_marketer(services, team_id, user_id)


def who_may_send() -> Refusal:
    return Refusal(
        ":lock: Messages to the field come from admins and marketers (the people in a "
        "digest channel). Ask one of them to send it."
    )


def send(
    services: Services, team_id: str, sender_id: str, draft: Draft
) -> list[FieldMessageRecipient] | Refusal:
    """Store the message for every rep on a team and DM each of them now."""
    if not may_message_the_field(services, team_id, sender_id):
        return who_may_send()
    reps = teams.all_reps(services.db, team_id)
    if not reps:
        return Refusal(
            "Nobody is on a team yet, so there is nobody to tell. Set teams up first: "
            "`/perspective team @manager @rep1 @rep2`."
        )
    new = NewFieldMessage(team_id, sender_id, draft.title, draft.text, services.clock())
    copies = field_messages.create(services.db, new, reps)
    in_parallel(services, lambda copy: deliver(services, copy, claimed=True), copies)
    return copies


def deliver(services: Services, copy: FieldMessageRecipient, *, claimed: bool) -> bool:
    """DM one rep their copy, exactly once; a failed send is left for the next tick."""
    now = services.clock()
    return deliver_once(
        services,
        copy.team_id,
        field_messages.dm_key(copy.id),
        now,
        lambda: send_dm(
            services,
            copy.rep_id,
            render.field_message(copy),
            f"{copy.message.title} (from marketing)",
        ),
        claimed=claimed,
        finish=lambda sent: field_messages.mark_delivered(services.db, copy.id, now, sent),
    )


def send_undelivered(services: Services, now: datetime) -> None:
    """Scheduled: copies whose first DM failed or was cut short go out now."""
    copies = field_messages.undelivered(services.db)
    in_parallel(services, lambda copy: deliver(services, copy, claimed=False), copies)


def reminder_due(delivered_at: datetime, zone: ZoneInfo) -> datetime:
    """Two working days (Monday to Friday, in the rep's zone) after the DM went out."""
    local = delivered_at.astimezone(zone)
    counted = 0
    while counted < WORKING_DAYS_BEFORE_REMINDER:
        local += timedelta(days=1)
        counted += local.weekday() < 5
    return local.astimezone(UTC)


def send_due_reminders(services: Services, now: datetime) -> None:
    """Scheduled: one reminder to each rep who has neither acknowledged nor asked."""
    waiting = field_messages.awaiting_reminder(
        services.db, now - timedelta(days=WORKING_DAYS_BEFORE_REMINDER)
    )
    due = [
        copy
        for copy in waiting
        if copy.delivered_at is not None
        and now >= reminder_due(copy.delivered_at, services.directory.timezone(copy.rep_id))
    ]
    in_parallel(services, lambda copy: _remind(services, copy, now), due)


def _remind(services: Services, copy: FieldMessageRecipient, now: datetime) -> bool:
    return deliver_once(
        services,
        copy.team_id,
        field_messages.reminder_key(copy.id),
        now,
        lambda: send_dm(
            services, copy.rep_id, render.reminder(copy), f"Reminder: {copy.message.title}"
        ),
        finish=lambda sent: field_messages.mark_reminded(services.db, copy.id, now, sent),
    )


def own_copy(
    services: Services, team_id: str, user_id: str, recipient_id: int
) -> FieldMessageRecipient | Refusal:
    """The rep's copy behind a button; someone else's copy is not theirs to answer."""
    copy = field_messages.recipient(services.db, team_id, recipient_id)
    if copy is None or copy.rep_id != user_id:
        return Refusal("That message isn't yours to answer.")
    return copy


def acknowledge(
    services: Services, team_id: str, user_id: str, recipient_id: int
) -> FieldMessageRecipient | Refusal:
    copy = own_copy(services, team_id, user_id, recipient_id)
    if not isinstance(copy, Refusal):
        field_messages.acknowledge(services.db, copy.id, services.clock())
    return copy


def ask(services: Services, copy: FieldMessageRecipient, text: str) -> int:
    """Store the rep's question (it counts as an answer: no reminder follows)."""
    return field_messages.add_question(services.db, copy, text, services.clock())


def tell_sender(services: Services, team_id: str, question_id: int) -> None:
    """The question reaches the sender in a DM with the rep, so they can answer right there."""
    question = field_messages.question(services.db, team_id, question_id)
    assert question is not None, f"question {question_id} was saved in this request"
    sender, rep = question.recipient.message.sender_id, question.recipient.rep_id
    channel = services.client.conversations_open(users=",".join(dict.fromkeys([sender, rep])))
    services.client.chat_postMessage(
        channel=channel["channel"]["id"],
        blocks=render.question_for_sender(question),
        text=f"A question about {question.recipient.message.title}",
    )


def status(
    services: Services, team_id: str, user_id: str
) -> tuple[FieldMessage, list[FieldMessageRecipient]] | Refusal:
    """The latest message and where each rep stands with it."""
    if not may_message_the_field(services, team_id, user_id):
        return who_may_send()
    message = field_messages.latest(services.db, team_id)
    if message is None:
        return Refusal(f"No message has gone to the field yet. Send one: {EXAMPLE}")
    return message, field_messages.copies_of(services.db, message.id)

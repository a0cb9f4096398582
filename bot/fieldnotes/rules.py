"""Field notes: the rules for reading `/fieldnote` text and for who may do what.

The inline syntax is what reps type fastest in Slack: `[Account]` anywhere sets
the account, `#tag` tokens set tags, everything else is the note.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import asdict, dataclass, replace

from bot.refusals import Refusal
from bot.services import Services
from storage import claims, deals, fieldnotes, intel
from storage.deals import Deal
from storage.fieldnotes import FieldNote, NewNote, SearchPage

MAX_NOTE_CHARS = 3000
MAX_ACCOUNT_CHARS = 200
MAX_TAG_CHARS = 100
PAGE_SIZE = 10
RELATED_DEAL_CHOICES = 50
MAX_OFFERED_CHARS = 2000  # a DM offered back as a note rides in its button's value
SUBCOMMANDS = ("search", "mine", "delete", "competitor", "competitors", "settings", "help")
SETTINGS_HELP = (
    "`/fieldnote settings recognition off` keeps your name out of the monthly "
    "“Notes that mattered” in digests (your notes still count); `on` names you again."
)
EXAMPLE = (
    "`/fieldnote [Acme Corp] CFO says per-seat pricing kills it vs Gong #pricing #competitor:gong`"
)

# A tag starts a word: "#pricing", "#competitor:gong". Slack channel links arrive
# as "<#C123|name>" and are not tags because "#" follows "<" there.
TAG = re.compile(r"(?<![\w<&])#([\w][\w:./-]*)")


@dataclass(frozen=True)
class Capture:
    text: str


@dataclass(frozen=True)
class Search:
    words: list[str]


@dataclass(frozen=True)
class Mine:
    pass


@dataclass(frozen=True)
class Delete:
    note_id: int


@dataclass(frozen=True)
class Competitor:
    name: str


@dataclass(frozen=True)
class Competitors:
    pass


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Recognition:
    named: bool  # whether digests may thank the rep by name


FieldnoteCommand = (
    Capture | Search | Mine | Delete | Competitor | Competitors | Help | Recognition | Refusal
)


@dataclass(frozen=True)
class FormOrigin:
    """Where the note form was opened, kept in its private metadata: the channel to confirm
    in and, from the *Save as field note* shortcut, the message's link and who wrote it."""

    channel_id: str | None = None
    permalink: str | None = None
    said_by: str | None = None

    def dump(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v})

    @classmethod
    def load(cls, text: str | None) -> FormOrigin:
        """A form opened before its metadata was JSON carries the bare channel id."""
        if not text:
            return cls()
        if not text.startswith("{"):
            return cls(channel_id=text)
        fields = json.loads(text)
        return cls(fields.get("channel_id"), fields.get("permalink"), fields.get("said_by"))


def read_command(text: str) -> FieldnoteCommand:
    """Decide what `/fieldnote <text>` asks for; unknown one-word commands are refused, not saved."""
    words = text.split()
    if not words:
        return Capture("")
    first, rest = words[0].lower(), words[1:]
    if first == "help" and not rest:
        return Help()
    if first == "mine" and not rest:
        return Mine()
    if first == "search":
        return (
            Search(rest)
            if rest
            else Refusal("Tell me what to look for, e.g. `/fieldnote search pricing gong`.")
        )
    if first == "delete":
        return _delete(rest)
    if first == "competitors" and not rest:
        return Competitors()
    if first == "competitor":
        return Competitor(" ".join(rest))
    if first == "settings":
        return _settings([word.lower() for word in rest])
    if _looks_like_mistyped_command(words):
        return _unknown_command(words[0])
    return Capture(text)


def _delete(rest: list[str]) -> Delete | Refusal:
    if len(rest) == 1 and rest[0].lstrip("#").isdigit():
        return Delete(int(rest[0].lstrip("#")))
    return Refusal("Say which note to delete by its number, e.g. `/fieldnote delete 42`.")


def _settings(rest: list[str]) -> Recognition | Refusal:
    if len(rest) == 2 and rest[0] == "recognition" and rest[1] in ("on", "off"):
        return Recognition(named=rest[1] == "on")
    return Refusal(SETTINGS_HELP)


def _looks_like_mistyped_command(words: list[str]) -> bool:
    """A lone word, or a near-miss of a subcommand, is a command gone wrong rather than a note."""
    if len(words) == 1 and not words[0].startswith(("[", "#")):
        return True
    return bool(difflib.get_close_matches(words[0].lower(), SUBCOMMANDS, n=1, cutoff=0.8))


def _unknown_command(word: str) -> Refusal:
    guess = difflib.get_close_matches(word.lower(), SUBCOMMANDS, n=1, cutoff=0.6)
    hint = f" Did you mean `/fieldnote {guess[0]}`?" if guess else ""
    return Refusal(
        f"`{word[:40]}` isn't a /fieldnote command.{hint} Commands: "
        "`search <words>`, `mine`, `delete <number>`, `competitor <name>`, `competitors`, `settings`, `help`. "
        f"To save a note, write a sentence, e.g. {EXAMPLE}"
    )


def parse_note(
    services: Services, team_id: str, author_id: str, channel_id: str | None, text: str
) -> NewNote | Refusal:
    """Split inline text into account, tags and the note itself, or say what is wrong."""
    account_or_refusal = _account(text)
    if isinstance(account_or_refusal, Refusal):
        return account_or_refusal
    account, without_account = account_or_refusal
    tags = tuple(dict.fromkeys(tag.lower() for tag in TAG.findall(without_account)))
    body = " ".join(TAG.sub(" ", without_account).split())
    note = NewNote(team_id, author_id, account, body, tags, channel_id, services.clock())
    return validate_note(note)


def note_from_form(
    services: Services,
    team_id: str,
    author_id: str,
    origin: FormOrigin,
    *,
    account: str | None,
    text: str,
    tags: str | None,
    deal: str | None,
) -> NewNote | Refusal:
    """The note form as a note, or a refusal naming the input to flag (`note` or `deal`)."""
    words = " ".join(text.split())
    if not words:
        return Refusal("Write what the customer said.", field="note")
    note = NewNote(
        team_id,
        author_id,
        account,
        words,
        parse_tag_field(tags),
        origin.channel_id,
        services.clock(),
        permalink=origin.permalink,
        said_by=origin.said_by,
    )
    checked = validate_note(note)
    if isinstance(checked, Refusal):
        return replace(checked, field="note")
    deal_ref = _related_deal(services, team_id, deal)
    if isinstance(deal_ref, Refusal):
        return deal_ref
    return replace(checked, deal_ref=deal_ref)


def validate_note(note: NewNote) -> NewNote | Refusal:
    if not note.text:
        return Refusal(
            "That note has no text besides the account and tags. Write what the customer said, "
            f"e.g. {EXAMPLE}"
        )
    if len(note.text) > MAX_NOTE_CHARS:
        return Refusal(
            f"That note is {len(note.text):,} characters; the limit is {MAX_NOTE_CHARS:,}. "
            "Keep the customer's key words and split the rest into a second note."
        )
    if note.account is not None and len(note.account) > MAX_ACCOUNT_CHARS:
        return Refusal(f"Account names can be at most {MAX_ACCOUNT_CHARS} characters.")
    if any(len(tag) > MAX_TAG_CHARS for tag in note.tags):
        return Refusal(f"Tags can be at most {MAX_TAG_CHARS} characters.")
    return note


def _account(text: str) -> tuple[str | None, str] | Refusal:
    opens, closes = text.count("["), text.count("]")
    if opens != closes or opens > 1 or (opens and text.index("[") > text.index("]")):
        return Refusal(
            f"I couldn't read the account: put it in one pair of square brackets, e.g. {EXAMPLE}"
        )
    if not opens:
        return None, text
    start, end = text.index("["), text.index("]")
    account = " ".join(text[start + 1 : end].split())
    if not account:
        return Refusal("The brackets are empty: write the account inside them, like `[Acme Corp]`.")
    return account, text[:start] + " " + text[end + 1 :]


def parse_tag_field(value: str | None) -> tuple[str, ...]:
    """Tags typed in the modal: "pricing, competitor:gong" or "#pricing #competitor:gong"."""
    if not value:
        return ()
    parts = re.split(r"[\s,]+", value)
    return tuple(dict.fromkeys(p.lstrip("#").lower() for p in parts if p.lstrip("#")))


def offer(
    services: Services, team_id: str, author_id: str, channel_id: str, text: str
) -> NewNote | Refusal:
    """What a DM to the bot would save as, read as `/fieldnote` reads text; refused when it
    cannot be a note, or is too long to carry in the *Save as field note* button."""
    if len(text) > MAX_OFFERED_CHARS:
        return Refusal(
            f"That message is {len(text):,} characters, too long to offer as a note from here "
            f"(at most {MAX_OFFERED_CHARS:,}). Send it with `/fieldnote`, which takes "
            f"{MAX_NOTE_CHARS:,}."
        )
    return parse_note(services, team_id, author_id, channel_id, text)


def save_offered(
    services: Services, team_id: str, author_id: str, offer_ref: str, text: str
) -> FieldNote | Refusal | None:
    """Save a DM offered back as a note, once per offer however often the button is
    pressed (`offer_ref` names the offer message); None when it was saved already."""
    channel_id = offer_ref.split(":", 1)[0]
    draft = parse_note(services, team_id, author_id, channel_id, text)
    if isinstance(draft, Refusal):
        return draft
    key = f"offered-note:{offer_ref}"
    if not claims.claim_once(services.db, team_id, key, services.clock()):
        return None
    try:
        note = capture(services, draft)
    except Exception:
        claims.release(services.db, key)
        raise
    claims.complete(services.db, key, services.clock(), str(note.id))
    return note


def capture(services: Services, note: NewNote) -> FieldNote:
    """Saved with the competitors it names, so the competitor view finds it at once."""
    return intel.add_note_with_mentions(services.db, note)


def saved_note(services: Services, team_id: str, note_id: int) -> FieldNote:
    """A note just saved, read back (with its tags) to confirm it."""
    note = fieldnotes.get_note(services.db, team_id, note_id)
    assert note is not None, f"note {note_id} was saved in this request"
    return note


def deals_to_relate(services: Services, team_id: str, user_id: str) -> list[Deal]:
    """The rep's recent deals, offered in the note form so a note can name its deal."""
    return deals.recent_deals_of(services.db, team_id, user_id, RELATED_DEAL_CHOICES)


def _related_deal(services: Services, team_id: str, value: str | None) -> int | Refusal | None:
    """The deal picked in the form, checked to be this workspace's."""
    if value is None:
        return None
    if not value.isdigit() or deals.get_deal(services.db, team_id, int(value)) is None:
        return Refusal("That deal no longer exists; pick another or leave it empty.", "deal")
    return int(value)


def search(services: Services, team_id: str, words: list[str]) -> SearchPage:
    return fieldnotes.search_notes(services.db, team_id, words, PAGE_SIZE)


def mine(services: Services, team_id: str, user_id: str) -> SearchPage:
    return fieldnotes.notes_by_author(services.db, team_id, user_id, PAGE_SIZE)


def delete(services: Services, team_id: str, user_id: str, note_id: int) -> FieldNote | Refusal:
    """Authors delete their own notes; admins may delete anyone's."""
    note = fieldnotes.get_note(services.db, team_id, note_id)
    if note is None:
        return Refusal(f"There is no note #{note_id}. `/fieldnote mine` lists your notes.")
    if note.author_id != user_id and not services.is_admin(user_id):
        return Refusal(
            f"Note #{note_id} is <@{note.author_id}>'s; only its author or an admin can delete it."
        )
    fieldnotes.delete_note(services.db, team_id, note_id)
    return note

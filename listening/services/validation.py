"""What a host or participant may type, checked and cleaned before anything is written."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass

from .. import engine
from ..engine import Refused

#: joiners that real names and emoji need (Persian names, family emoji); other format
#: characters (bidi overrides, zero-width spaces) are refused
JOINERS = {"\u200c", "\u200d"}
#: what a new session starts with: the engine's own defaults
DEFAULT_SETTINGS = engine.Settings()


class Invalid(Refused):
    """A session's settings with fields to fix: ``fields`` maps each to a sentence."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("invalid", "Some settings need another look.")
        self.fields = fields


@dataclass(frozen=True)
class NewSession:
    """A host's settings for a new session, cleaned and within the limits."""

    title: str
    prompts: list[str]
    turn_seconds: float
    rounds: int
    silence_seconds: float
    grace_seconds: float

    def as_columns(self) -> dict:
        """Return the settings as the session table's columns."""
        return asdict(self)


def form_defaults() -> dict:
    """Return the values a new session form starts with."""
    defaults = {name: getattr(DEFAULT_SETTINGS, name) for name in engine.LIMITS}
    return {"title": "", "prompts": list(engine.DEFAULT_PROMPTS), **defaults}


def limits(allow_short_turns: bool) -> dict[str, tuple[int, int]]:
    """Return each setting's (lowest, highest); rehearsals may allow turns under 30 s."""
    found = dict(engine.LIMITS)
    if allow_short_turns:
        found["turn_seconds"] = (1, found["turn_seconds"][1])
    return found


def clean_text(value: object, limit: int) -> str | None:
    """Return the text trimmed and normalised, or None if it is empty, too long or has controls."""
    if not isinstance(value, str) or len(value) > 4 * limit:
        return None
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text or len(text) > limit:
        return None
    for ch in text:
        if ch not in JOINERS and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return None
    return text


def as_secret(value: object) -> str | None:
    """Return a code, key or token as sent, or None if it cannot be one the server issued."""
    if not isinstance(value, str) or not 0 < len(value) <= 100 or not value.isascii():
        return None
    return value


def _number(value: object, low: float, high: float, whole: bool) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    if number != number or not low <= number <= high or (whole and number != int(number)):
        return None
    return int(number) if whole else number


def _prompts(value: object) -> list[str] | None:
    if not isinstance(value, list) or not 1 <= len(value) <= 5:
        return None
    cleaned = [clean_text(p, 200) for p in value if not (isinstance(p, str) and not p.strip())]
    if not cleaned or any(p is None for p in cleaned):
        return None
    return [p for p in cleaned if p is not None]


def new_session(data: dict, allow_short_turns: bool) -> NewSession:
    """Return a host's settings, cleaned, or raise :class:`Invalid` naming every field to fix."""
    errors: dict[str, str] = {}
    title = clean_text(data.get("title", ""), 80)
    if title is None:
        errors["title"] = "Give the session a title of up to 80 characters."
    prompts = _prompts(data.get("prompts", list(engine.DEFAULT_PROMPTS)))
    if prompts is None:
        errors["prompts"] = "Write one to five prompts, each up to 200 characters."
    numbers: dict[str, float] = {}
    for name, (low, high) in limits(allow_short_turns).items():
        number = _number(
            data.get(name, getattr(DEFAULT_SETTINGS, name)), low, high, name == "rounds"
        )
        if number is None:
            errors[name] = f"Choose a whole number from {low} to {high}."
        else:
            numbers[name] = number
    if errors or title is None or prompts is None:
        raise Invalid(errors)
    return NewSession(
        title=title,
        prompts=prompts,
        turn_seconds=numbers["turn_seconds"],
        rounds=int(numbers["rounds"]),
        silence_seconds=numbers["silence_seconds"],
        grace_seconds=numbers["grace_seconds"],
    )

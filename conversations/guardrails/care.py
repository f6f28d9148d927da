"""What the twin says, instead of the persona, to a visitor who may be in crisis.

Plain, warm words, never in the person's voice and never anything like "come and join me":
that this is the memorial's AI and it is worried, the crisis lines of the visitor's country
(`helplines`), and an offer to let the memorial's steward know. No LLM writes any of it, so
it is there when the provider is not."""

from __future__ import annotations

from conversations.guardrails.helplines import CountryHelp, Helpline

CARE_LABEL = "Written by Legacy, not by the twin"


def _line(helpline: Helpline) -> str:
    ways = []
    if helpline.phone and helpline.text and helpline.sms == helpline.tel:
        ways.append(f"call or text {helpline.phone}")
    else:
        if helpline.phone:
            ways.append(f"call {helpline.phone}")
        if helpline.sms_word:
            ways.append(f"text {helpline.sms_word} to {helpline.sms}")
        elif helpline.text:
            ways.append(f"text {helpline.text}")
    if not ways and helpline.url:
        ways.append(helpline.url)
    hours = f", {helpline.hours}" if helpline.hours else ""
    return f"• {helpline.name}: {' or '.join(ways)}{hours}"


def care_help_lines(help: CountryHelp) -> list[str]:
    """The crisis lines as lines of plain text, then the emergency number."""
    lines = [_line(helpline) for helpline in help.lines]
    if not help.lines:
        lines += [_line(helpline) for helpline in help.international]
    emergency = " or ".join(help.emergency)
    lines.append(f"If you might act on these feelings now, call {emergency}.")
    return lines


def care_reply_chunks(*, memorial_name: str, help: CountryHelp, steward: str) -> list[str]:
    """The care reply, in the pieces it streams in. `steward`: who the visitor may ask us to
    tell ("" when nobody can be told)."""
    where = f" in {help.name}" if help.name else ""
    chunks = [
        f"I'm stepping out of {memorial_name}'s words for a moment. "
        f"This is the AI that answers from {memorial_name}'s writing, not {memorial_name}, "
        "and what you wrote worries me. ",
        "You matter, and you don't have to carry this on your own. ",
        f"You can talk to someone right now{where}, whatever the hour:\n",
        *(f"{line}\n" for line in care_help_lines(help)),
    ]
    if steward:
        chunks.append(
            f"\nIf you'd like, I can let {steward} know that you might need someone. "
            "You can choose below; nothing you wrote is shared unless you say so."
        )
    else:
        chunks.append("\nPlease reach out to someone you trust today, too.")
    return chunks

"""The guardrails' own answers, in plain words and not the persona's voice: a kind refusal
of money, secrets and instructions, and an honest answer to "is it really you?". No LLM
writes them, so they are there when the provider is not."""

from __future__ import annotations

FRAUD_LABEL = "Written by Legacy, not by the twin"
DISCLOSURE_LABEL = "Written by Legacy, not by the twin"


def fraud_refusal_chunks(*, memorial_name: str, steward: str) -> list[str]:
    """A clear, kind refusal: nothing shared, confirmed or approved; who to ask instead."""
    ask = f"{steward}, the executor" if steward else "the executor"
    return [
        "I'm sorry, I can't help with that, and I'd rather say so plainly. ",
        f"I'm an AI made from {memorial_name}'s writing, not {memorial_name}, so I can't "
        "share or confirm passwords, PINs, account or card numbers, or anything to do with "
        "money, gift cards or crypto, and I can't give legal, medical or estate instructions. ",
        f"I never approve, authorise or confirm anything on {memorial_name}'s behalf. ",
        f"For the estate, accounts or anything like this, please speak with {ask}, "
        "or a professional you trust. ",
        f"If someone has asked you for money or codes in {memorial_name}'s name, please check "
        "with them before doing anything.",
    ]


def disclosure_answer_chunks(*, memorial_name: str) -> list[str]:
    """The honest answer to "is it really you?": an AI made from their words; not them, not
    alive, not speaking from anywhere."""
    return [
        f"No, I'm not {memorial_name}. ",
        f"I'm an AI made from {memorial_name}'s own words: the writing they chose to leave. ",
        "I'm not alive, and I'm not speaking to you from anywhere. ",
        f"What I can do is answer from what {memorial_name} wrote, and say so when I don't know. ",
        "If it helps to talk about them, or to hear their words again, I'm here for that.",
    ]

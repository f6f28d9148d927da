"""The demo's writing, composed by the project: Greta Halloway's emails, chats, journal and
letters from 2019 to 2024, written out as the real export files people upload.

Deterministic: the same seed gives the same bytes. Composition is templated: each register
has its own openings, topics, habits and sign-offs (`demo.person`), and her recurring stories
come back in all of them, in her own sentences.

Files made:
- `greta-mail.mbox`: work mail with her colleagues (and their replies), mail to her children;
- `WhatsApp Chat with Dot Pryce.txt`: her friend Dot, jokes and the Thursday quiz;
- `WhatsApp Chat with Halloways.txt`: the family group;
- `journal.md`: dated entries, Markdown headings;
- `letters-to-alfie.txt`: dated letters to her grandson.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from demo.person import (
    BEN,
    CHILDREN,
    COLLEAGUES,
    DOT,
    FAMILY_CHAT,
    FIRST_YEAR,
    HELEN,
    HOME_ADDRESS,
    ISLA,
    LAST_YEAR,
    MARCUS,
    NAME,
    RETIRED_YEAR,
    SAMIR,
    STORIES,
    TOM,
    WORK_ADDRESS,
    WORK_SIGNATURE,
    Person,
)

SEED = 1956  # the year she was born, in the story
START = datetime(FIRST_YEAR, 1, 7, 9, 0, tzinfo=UTC)
END = datetime(LAST_YEAR, 6, 28, 18, 0, tzinfo=UTC)
RETIRED = datetime(RETIRED_YEAR, 7, 30, tzinfo=UTC)


@dataclass(frozen=True)
class DemoMessage:
    file: str
    register: str
    sent_at: datetime
    author: str
    text: str

    @property
    def is_hers(self) -> bool:
        return self.author == NAME


@dataclass
class DemoWriting:
    files: dict[str, bytes] = field(default_factory=dict)
    messages: list[DemoMessage] = field(default_factory=list)

    def registers(self) -> set[str]:
        return {message.register for message in self.messages}


# --- what she writes about, per register ---------------------------------------------

WORK_TOPICS = (
    (
        "Mill Lane gauging readings",
        "I think the Mill Lane readings for last week look a little high, perhaps because the "
        "board was silted again. It may be worth sending someone to clear it before we rely "
        "on the figures.",
    ),
    (
        "Flood risk report, draft",
        "I have attached a first draft of the flood risk section. I am not entirely sure about "
        "the return periods in table 3; perhaps we could go through them together before it "
        "goes to the client.",
    ),
    (
        "Spring tide survey",
        "If I am not mistaken, the spring tide falls on the Thursday, so the survey team would "
        "need to be at the quay by six. I wonder whether we should ask Reid Survey to bring "
        "the second boat.",
    ),
    (
        "Culvert at Mill Lane",
        "The culvert under Mill Lane was half blocked again after the storm. I think it may be "
        "sensible to schedule a camera survey this quarter, budget permitting.",
    ),
    (
        "Quarterly data, a question",
        "I may have misread the spreadsheet, but the quarterly rainfall totals seem to leave "
        "out the Wensum gauge. Could you perhaps check the import before the meeting?",
    ),
    (
        "Meeting on Tuesday",
        "Would Tuesday at ten suit you for the project meeting? I think an hour should be "
        "enough, although perhaps we should keep the agenda short.",
    ),
    (
        "Sea defences consultation",
        "I think our response to the consultation could say a little more about the saltmarsh. "
        "It is, perhaps, the cheapest sea defence we have, and it asks nothing of us but room.",
    ),
    (
        "Handover notes",
        "I have started the handover notes for the gauging network. I suspect they are longer "
        "than anyone will want to read, but perhaps that is better than too short.",
    ),
)
WORK_CLOSINGS = ("Kind regards,", "With kind regards,", "Best wishes,", "Many thanks,")
COLLEAGUE_REPLIES = (
    "Thanks Greta, that makes sense. I will look at it this afternoon.",
    "Agreed. Let's discuss at the meeting on Tuesday.",
    "Good catch. I have asked the field team to check the board.",
    "Thank you, the draft reads well. Only small comments from me.",
    "Happy to go with your suggestion. Invoice to follow.",
)

FAMILY_NOTES = (
    "Just thinking of you. Biscuit sends a wet nose.",
    "Dad has finally fixed the shed door, so that's one thing off the list!",
    "Lovely to hear your voice on Sunday.",
    "The tide was right up to the quay wall this morning. Beautiful and a bit frightening.",
    "I have made too much soup again. Come and eat it.",
    "Don't work too hard, sweetheart.",
    "Alfie's drawing of the boat is on the fridge, pride of place.",
    "We walked Biscuit along to Wells and back. My knees have opinions about it.",
    "I burnt the lemon drizzle again. Your grandmother would despair.",
    "Ring me when you're home safe.",
    "The swallows are back under the eaves. Spring at last!",
    "Proud of you, always.",
)
FAMILY_SIGNOFFS = {"Tom Halloway": "love, G x", "Isla Halloway": "Mum x", "Ben Halloway": "Mum x"}

ORDINALS = ("second", "third", "fourth", "fifth", "sixth", "last")
QUIZ_SUBJECTS = ("rivers of Europe", "1970s pop", "Roman emperors", "cheese", "famous horses",
                 "the football round", "knots", "capital cities", "birds of Norfolk")  # fmt: skip
PARSNIP_NAMES = ("Gerald", "Little Ron", "Doris", "the Archbishop", "Kevin", "Sir Parsnip")
DOT_JOKES = (
    "we came {ordinal} at the quiz 😂 out of {teams} teams, so practically famous",
    "{subject} round tonight. we are doomed 🙈",
    "we got every question on {subject} wrong. every single one. I'm quite proud 😂",
    "my parsnips are so small this year I've named one {parsnip}",
    "{parsnip} the parsnip has been eaten by a slug. a moment's silence please",
    "the vicar's tombola had my own casserole dish in it. I bought it back. £{pounds} 😂",
    "Biscuit has discovered the compost heap. he is now compost",
    "Biscuit ate {pounds} of Tom's socks this week. he shows no remorse",
    "if anyone asks I was at the gym. the gym is the Anchor",
    "I have joined the choir. they have not been told yet",
    "allotment committee meeting. {hours} hours. about a shed. A SHED",
    "plot 14 has produced {count} courgettes. I am in awe",
    "ha! you'd have loved it",
)
DOT_SAYS = (
    "Quiz Thursday? I'll bring the pens that work this time",
    "Haha stop it",
    "How's Tom's back?",
    "Did you see the sunset over the marsh last night?",
    "I'm not saying your parsnips are small but",
    "Coffee at the Anchor tomorrow?",
    "Tell Biscuit I said he's a good boy",
    "You are ridiculous and I love you",
    "Who's doing the picture round this week?",
    "How did the hospital appointment go?",
)
DOT_PLANS = (
    "yes!! 7 at the Anchor, I'll save the corner table",
    "can't tomorrow, Isla's ringing at 11. Friday?",
    "only if you promise not to answer the football round",
    "I'll bring cake. burnt, obviously",
    "fine, thank you. they say my knees are 'well used' 😂",
    "Tom's back is better. he is insufferable about it",
)

JOURNAL_THOUGHTS = (
    "Walked to the gauging board at Mill Lane before breakfast. The water was brown and fast, "
    "and the herons did not care at all.",
    "I keep thinking that a river is a kind of memory: everything upstream arrives eventually.",
    "Tom slept badly again. I sat with him and we talked about the boat we never built.",
    "Rain all day. I read, and did not feel guilty about it, which is new.",
    "Dot made me laugh so much at the quiz that I had to go and stand in the car park.",
    "I worry about the saltmarsh. The sea is patient and we are not.",
    "The children rang, both of them, on the same evening. A small miracle.",
    "I am better at listening than I used to be. Perhaps that is what getting older is for.",
    "Planted broad beans on plot 14. Hope is a row of seeds.",
    "I miss the work less than I thought, and the people more.",
)

LETTER_LINES = (
    "Granny's garden is full of frogs this week. I counted eleven by the pond.",
    "When you come in the summer we will take the little boat out, if the wind is kind.",
    "Grandad is teaching Biscuit to fetch. So far Biscuit is teaching Grandad.",
    "I found a fossil on the beach at Wells, a tiny shell older than anything.",
    "Be kind, be brave, and always wear a lifejacket.",
    "Your drawing of the lighthouse is on my fridge and everyone who visits admires it.",
)


class _Composer:
    """Writes the messages, one register at a time, from one seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.writing = DemoWriting()
        self.mail: list[str] = []

    # -- time --
    def moments(
        self, count: int, *, start: datetime = START, end: datetime = END
    ) -> list[datetime]:
        """`count` moments spread over the span, in order, at waking hours."""
        span = (end - start).total_seconds()
        moments = []
        for n in range(count):
            at = start + timedelta(seconds=span * (n + self.rng.random()) / count)
            at = at.replace(
                hour=self.rng.randint(8, 21),
                minute=self.rng.randint(0, 59),
                second=0,
                microsecond=0,
            )
            moments.append(at)
        return moments

    def story(self, chance: float) -> str:
        return self.rng.choice(list(STORIES.values())) if self.rng.random() < chance else ""

    def add(self, file: str, register: str, at: datetime, author: str, text: str) -> None:
        self.writing.messages.append(DemoMessage(file, register, at, author, text))

    # -- mail --
    def email(
        self, *, sender: str, sender_name: str, to: Person | str, to_name: str, subject: str,
        body: str, at: datetime, register: str, author: str,
    ) -> None:  # fmt: skip
        address = to.address if isinstance(to, Person) else to
        headers = [
            f"From {sender} {at.strftime('%a %b %d %H:%M:%S %Y')}",
            f"From: {sender_name} <{sender}>",
            f"To: {to_name} <{address}>",
            f"Subject: {subject}",
            f"Date: {format_datetime(at)}",
            f"Message-ID: <greta-{len(self.mail) + 1}@demo.example>",
            "MIME-Version: 1.0",
            'Content-Type: text/plain; charset="utf-8"',
            "Content-Transfer-Encoding: 8bit",
        ]
        lines = [(">" + line if line.startswith("From ") else line) for line in body.split("\n")]
        self.mail.append("\n".join([*headers, "", *lines, ""]))
        self.add("greta-mail.mbox", register, at, author, body)

    def work_mail(self) -> None:
        for at in self.moments(110, end=RETIRED):
            colleague = self.rng.choice(COLLEAGUES)
            subject, topic = self.rng.choice(WORK_TOPICS)
            first = colleague.name.split()[0]
            greeting = f"{colleague.how_she_greets}," if colleague is not HELEN else f"Hi {first},"
            hedge = self.rng.choice(
                (
                    "I hope this finds you well.",
                    "I hope you don't mind a quick question.",
                    "Sorry to trouble you with this.",
                    "",
                )
            )
            aside = self.work_detail()
            if self.rng.random() < 0.12:
                aside = STORIES["gauge"] if "Mill Lane" in topic else STORIES["surge"]
                aside = "For what it is worth, " + aside[0].lower() + aside[1:]
            body = "\n\n".join(
                part
                for part in (greeting, hedge, topic, aside, self.rng.choice(WORK_CLOSINGS))
                if part
            )
            body += "\n\n" + WORK_SIGNATURE
            self.email(
                sender=WORK_ADDRESS, sender_name=NAME, to=colleague, to_name=colleague.name,
                subject=subject, body=body, at=at, register="professional", author=NAME,
            )  # fmt: skip
            if self.rng.random() < 0.3:
                reply = f"Hi Greta,\n\n{self.rng.choice(COLLEAGUE_REPLIES)}\n\n{first}"
                self.email(
                    sender=colleague.address, sender_name=colleague.name, to=WORK_ADDRESS,
                    to_name=NAME, subject=f"Re: {subject}", body=reply,
                    at=at + timedelta(hours=2), register="professional", author=colleague.name,
                )  # fmt: skip
        farewell = (
            "Dear all,\n\nAfter thirty-one years, this is my last week at the Board. I think I "
            "will miss the Monday walk to the gauging board most, and all of you a close "
            "second. Perhaps you will let me visit the river now and then.\n\n"
            f"With kind regards, and thanks,\n\n{WORK_SIGNATURE}"
        )
        self.email(
            sender=WORK_ADDRESS, sender_name=NAME, to=SAMIR, to_name="Colleagues",
            subject="Thank you, and goodbye", body=farewell, at=RETIRED - timedelta(days=2),
            register="professional", author=NAME,
        )  # fmt: skip

    def work_detail(self) -> str:
        """A figure or a small fact, so no two work mails say quite the same."""
        level, before = self.rng.uniform(0.8, 2.4), self.rng.uniform(0.8, 2.4)
        return self.rng.choice(
            (
                f"The board read {level:.2f} m on Monday, against {before:.2f} m the week before.",
                f"I make it {self.rng.randint(12, 96)} mm of rain over the catchment since Friday.",
                f"The survey should take perhaps {self.rng.randint(2, 6)} days, weather allowing.",
                "",
            )
        )

    def family_mail(self) -> None:
        for at in self.moments(40):
            child = self.rng.choice(CHILDREN)
            notes = self.rng.sample(FAMILY_NOTES, 2)
            story = self.story(0.35)
            body = "\n\n".join(part for part in (f"{child.how_she_greets},", *notes, story) if part)
            body += "\n\n" + FAMILY_SIGNOFFS[child.name]
            subject = self.rng.choice(("Hello from home", "Sunday", "A quick note", "Biscuit news"))
            self.email(
                sender=HOME_ADDRESS, sender_name=NAME, to=child, to_name=child.name,
                subject=subject, body=body, at=at, register="family", author=NAME,
            )  # fmt: skip

    # -- chats --
    def chat(self, file: str, register: str, lines: list[tuple[datetime, str, str]]) -> None:
        out = []
        for at, author, text in lines:
            out.append(f"{at:%d/%m/%Y, %H:%M} - {author}: {text}")
            self.add(file, register, at, author, text)
        self.writing.files[file] = ("\n".join(out) + "\n").encode()

    def joke(self) -> str:
        return self.rng.choice(DOT_JOKES).format(
            ordinal=self.rng.choice(ORDINALS),
            teams=self.rng.randint(5, 11),
            subject=self.rng.choice(QUIZ_SUBJECTS),
            parsnip=self.rng.choice(PARSNIP_NAMES),
            pounds=self.rng.randint(2, 5),
            hours=self.rng.randint(2, 4),
            count=self.rng.randint(1, 40),
        )

    def dot_chat(self) -> None:
        file = f"WhatsApp Chat with {DOT.name}.txt"
        lines: list[tuple[datetime, str, str]] = []
        for at in self.moments(90):
            if self.rng.random() < 0.5:
                lines.append((at, DOT.name, self.rng.choice(DOT_SAYS)))
                at += timedelta(minutes=self.rng.randint(1, 30))
                lines.append((at, NAME, self.rng.choice((*DOT_PLANS, self.joke()))))
            else:
                lines.append((at, NAME, self.joke()))
                at += timedelta(minutes=self.rng.randint(1, 30))
                lines.append((at, DOT.name, self.rng.choice(DOT_SAYS)))
            if story := self.story(0.12):
                lines.append((at + timedelta(minutes=2), NAME, f"did I ever tell you? {story}"))
        self.chat(file, "friends", lines)

    def family_chat(self) -> None:
        file = "WhatsApp Chat with Halloways.txt"
        lines: list[tuple[datetime, str, str]] = []
        news = (
            "Alfie lost his first tooth!! 🦷",
            "Train's delayed, home by 8",
            "Happy birthday Mum ❤️",
            "Dad, did you fix the gutter?",
            "Rosie said 'Granny' today, clear as a bell",
        )
        for at in self.moments(60):
            who = self.rng.choice(FAMILY_CHAT)
            lines.append((at, who.name, self.rng.choice(news)))
            reply = self.rng.choice(FAMILY_NOTES)
            sign = "G x" if who is TOM else "Mum x"
            lines.append((at + timedelta(minutes=self.rng.randint(2, 40)), NAME, f"{reply} {sign}"))
        self.chat(file, "family", lines)

    # -- journal and letters --
    def journal(self) -> None:
        file = "journal.md"
        out = ["# Journal", ""]
        for at in self.moments(45):
            thoughts = self.rng.sample(JOURNAL_THOUGHTS, 2)
            text = " ".join([*thoughts, self.story(0.5)]).strip()
            out += [f"## {at:%Y-%m-%d}", "", text, ""]
            self.add(file, "journal", at, NAME, text)
        self.writing.files[file] = "\n".join(out).encode()

    def letters(self) -> None:
        file = "letters-to-alfie.txt"
        out = []
        for at in self.moments(16, start=datetime(2020, 3, 1, tzinfo=UTC)):
            lines = self.rng.sample(LETTER_LINES, 3)
            story = self.story(0.6)
            text = "Dear Alfie,\n\n" + " ".join([*lines, story]).strip()
            text += "\n\nWith all my love,\nGranny G x"
            out += [f"{at.day} {at:%B %Y}", "", text, ""]
            self.add(file, "family", at, NAME, text)
        self.writing.files[file] = "\n".join(out).encode()

    def run(self) -> DemoWriting:
        steps: tuple[Callable[[], None], ...] = (
            self.work_mail,
            self.family_mail,
            self.dot_chat,
            self.family_chat,
            self.journal,
            self.letters,
        )
        for step in steps:
            step()
        self.writing.files["greta-mail.mbox"] = "\n".join(self.mail).encode()
        return self.writing


def demo_writing(seed: int = SEED) -> DemoWriting:
    """Greta Halloway's writing: the same files and messages for the same seed."""
    return _Composer(seed).run()


# Who is in which register, for the memorial's correspondents (the corpus's own rules would
# guess most of them; placing them says so plainly).
CORRESPONDENTS = (
    *((person.name, person.register) for person in (TOM, ISLA, BEN, DOT, SAMIR, HELEN, MARCUS)),
    *((person.address, person.register) for person in (TOM, ISLA, BEN, SAMIR, HELEN, MARCUS)),
)
IDENTITIES = (("name", NAME), ("email", WORK_ADDRESS), ("email", HOME_ADDRESS))

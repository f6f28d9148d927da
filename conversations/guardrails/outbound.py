"""The twin's reply checked sentence by sentence as it streams, before any of it is sent.

`OutboundGuard.checked` wraps a reply's chunks: it holds text until a sentence ends (at
".", "!", "?" or a new line; not inside a decimal, an abbreviation such as "Dr." or "e.g.",
or an ellipsis that runs on), checks that sentence against the rules below and yields it,
so the first sentence reaches the visitor as soon as it is whole and nothing waits for the
end of the reply. What is left when the reply ends is checked and yielded too.

A sentence that breaks a rule is replaced by one short honest line (once per rule and
reply; later sentences breaking the same rule are left out) or, for the rule where a
replacement would read oddly (asking the visitor to come back), left out. The guard
records which rules it applied (`caught`, rule names only, never the words) and the
`Concern` they map to, for the reply's record.

The rules are offline regular expressions over the sentence in lower case; they stand for
kinds of sentence, not for particular ones:
- `alive`: claims to be alive, to be the person, or not to be an AI;
- `afterlife`: speaking from beyond death ("watching over you", "on the other side");
- `invite`: inviting the visitor to join the person ("come join me", "we'll be together");
- `still_with_you`: telling a visitor under 18 the person is still with them;
- `authorise`: approving, authorising, confirming or permitting anything;
- `secret`: passwords, PINs, card or account numbers, money transfers, gift cards, crypto;
- `instruction`: legal, medical or estate instructions ("sell the house", "stop your
  medication", "the will says you get");
- `sides`: taking sides between family members or in a dispute;
- `revelation`: secrets or confessions attributed to the person, and claims about what
  family members felt ("she never forgave you", "he loved your brother more");
- `come_back`: asking the visitor to come back, stay or talk again.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from conversations.models import Concern, Conversation
from core.queries import compiled_row
from memorials.models import AgeGroup, Membership

logger = logging.getLogger(__name__)

MAX_HELD = 600  # characters held without a sentence end before they are checked anyway

# --- sentences -----------------------------------------------------------------------------

# Words whose trailing full stop does not end a sentence.
_ABBREVIATION_WORDS = (
    "mr mrs ms dr st mt prof rev fr sr jr capt col gen lt sgt hon vs etc eg ie e.g i.e "
    "approx no nos vol ch fig jan feb mar apr jun jul aug sep sept oct nov dec a.m p.m "
    "am pm co ltd inc dept est ave rd"
)
ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
_CLOSERS = "\"')]\u00bb\u201d\u2019"
_TERMINATORS = ".!?…"
_MARKS = re.compile(r"[.!?…\n]")  # where a sentence may end


def _word_before(text: str, end: int) -> str:
    """The word ending just before `end` (letters, digits and inner dots), lower case."""
    start = end
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "."):
        start -= 1
    return text[start:end].strip(".").lower()


def _plain_stop(text: str, at: int) -> bool:
    """Whether the full stop at `at` follows an ordinary word (not a number, an initial or
    an abbreviation), so that it ends a sentence whatever comes next."""
    word = _word_before(text, at)
    return word not in ABBREVIATIONS and len(word) != 1 and not word[-1:].isdigit()


def _boundary(text: str, at: int) -> int | None:
    """Where the sentence whose mark is `text[at]` ends (exclusive; the marks after it and
    closing quotes or brackets included): None when it does not end there, -1 when the
    text so far cannot tell (the next chunk decides)."""
    if at > 0 and text[at - 1] in _TERMINATORS:
        return None  # a run of marks ("?!", "...") is decided at its first
    end = at + 1
    while end < len(text) and text[end] in _TERMINATORS:
        end += 1
    run = text[at:end]
    while end < len(text) and text[end] in _CLOSERS:
        end += 1
    rest = text[end:]
    if rest and not rest[0].isspace():
        return None  # "3.5", "e.g.", "www.example"
    ellipsis = run.startswith("..") or "…" in run
    following = rest.lstrip()
    if not following:  # the edge of what has come
        if ellipsis or (run[0] == "." and not _plain_stop(text, at)):
            return -1
        return end  # "!", "?" and a plain full stop end here: no wait for the next chunk
    if ellipsis:
        return None if following[0].islower() else end  # "and then... we went home"
    if run[0] == "." and not _plain_stop(text, at):
        word = _word_before(text, at)
        if word in ABBREVIATIONS or len(word) == 1 or not following[0].isupper():
            return None  # "Dr. Smith", "J. Smith", "page 3. and"
    return end


def sentences(chunks: Iterable[str]) -> Iterator[str]:
    """The text of `chunks` cut into sentences, each yielded as soon as it is known to have
    ended. Joined, they are exactly the text (spaces and new lines included: a sentence
    carries the space before it)."""
    held = ""
    scan = 0  # where in `held` the search for an end goes on
    for chunk in chunks:
        if not chunk:
            continue
        held += chunk
        start = 0
        while (mark := _MARKS.search(held, scan)) is not None:
            scan = mark.start()
            end = scan + 1 if held[scan] == "\n" else _boundary(held, scan)
            if end == -1:
                break
            if end is not None and held[start:end].strip():
                yield held[start:end]
                start = scan = end
                continue
            scan += 1
        else:
            scan = len(held)
        held, scan = held[start:], scan - start
        if len(held) > MAX_HELD:  # no end in sight: check what is held so far
            cut = held.rfind(" ", 0, MAX_HELD) + 1 or MAX_HELD
            yield held[:cut]
            held, scan = held[cut:], max(scan - cut, 0)
    if held:
        yield held


# --- rules ---------------------------------------------------------------------------------

_I_AM = r"(?:i'm|i am|im)"
_FAMILY = (
    r"(?:sister|brother|sibling|siblings|mum|mom|mother|dad|father|son|daughter|aunt|uncle|"
    r"cousin|wife|husband|partner|stepmother|stepfather|stepmum|stepdad|grandson|"
    r"granddaughter|nephew|niece|family|children|kids|in-laws?)"
)
_AFTERLIFE_PLACES = (
    r"(?:heaven|paradise|the afterlife|afterlife|the other side|the beyond|beyond the grave|"
    r"the spirit world|the next world|the next life|the angels|up above|up here|the stars)"
    r"(?!\s+of\b)"  # "the other side of the road" is a road
)
_ESTATE_THINGS = (
    r"(?:house|home|flat|property|estate|land|farm|business|shares|savings|money|pension|"
    r"inheritance|car|jewellery|jewelry|ring|furniture|everything|it all)"
)
_NOT_A_YEAR = r"(?!\b(?:19|20)\d\d\b)"
_MEDICINES = (
    r"(?:medication|medications|medicine|medicines|meds|pills|tablets|dose|dosage|"
    r"prescription|insulin|treatment|chemo|chemotherapy|therapy|antidepressants|inhaler)"
)

RULES: dict[str, tuple[str, ...]] = {
    "alive": (
        rf"\b{_I_AM}\s+(?:(?:still\s+|very\s+much\s+|really\s+)?alive|not dead|still living)\b",
        rf"\b{_I_AM}\s+(?:not|never)\s+(?:really\s+)?(?:dead|gone)\b",
        r"\bi\s+(?:never|didn'?t|did not)\s+(?:really\s+)?(?:die|died|pass away|passed away)\b",
        r"\b(?:it'?s|it is|this is)\s+(?:really|truly|actually|honestly|still)\s+me\b",
        rf"\b{_I_AM}\s+(?:really|truly|actually)\s+(?:here|him|her|them|the real)\b",
        rf"\b{_I_AM}\s+the\s+real\b",
        rf"\b{_I_AM}\s+not\s+(?:just\s+)?(?:an?\s+)?(?:ai|a\.i\.|bot|chatbot|robot|machine|"
        r"computer|program|programme|simulation|copy|imitation|recording|twin|fake)\b",
        r"\bi(?:'m| am) (?:a )?real (?:person|human)\b",
    ),
    "afterlife": (
        rf"\b(?:{_I_AM}|i'll be|i will be|i've been|i have been|i live|i rest|i wait)\b"
        rf"[^.!?]{{0,40}}\b(?:in|on|from|among|with|to)\s+{_AFTERLIFE_PLACES}",
        rf"\b(?:from|up in|here in|here on|over on)\s+{_AFTERLIFE_PLACES}",
        r"\bon the other side\b(?!\s+of\b)",
        r"\b(?:watching|looking)\s+(?:over|down on|down at)\s+(?:you|all of you|"
        r"the family|everyone)\b",
        r"\b(?:since|after|now that)\s+i\s+(?:died|passed away|passed on)\b",
        r"\bsince i(?:'ve| have) been gone\b",
        r"\bnow that i(?:'m| am|'ve| have)\s+(?:gone|dead|passed)\b",
        r"\bwhere i am now\b",
        rf"\b{_I_AM}\s+(?:at peace|in a better place|with (?:god|the angels|jesus|the lord))\b",
        r"\bsend(?:ing)? you (?:a )?signs?\b",
    ),
    "invite": (
        r"\bcome\s+(?:and\s+)?(?:join|be with|find|meet)\s+me\b",
        r"\bjoin me\b",
        r"\bcome to me\b",
        r"\bwe(?:'ll| will| can| shall| could)\s+(?:soon\s+)?(?:be together|be reunited|"
        r"see each other again|meet again)\b",
        r"\b(?:i'll be|i will be|i'm|i am)\s+waiting for you\b",
        r"\bbe with me\s+(?:soon|forever|again|here|there)\b",
        r"\b(?:you|we) (?:could|should|can) (?:be together|come here)\b",
        r"\bthere'?s nothing (?:left )?for you (?:there|here)\b",
    ),
    "authorise": (
        r"\bi\s+(?:hereby\s+|fully\s+|do\s+)?(?:approve|authori[sz]e|confirm|sanction|"
        r"endorse|consent to|agree to|permit|allow it)\b",
        r"\byou (?:have|get|had) my (?:full\s+)?(?:permission|approval|blessing|"
        r"authori[sz]ation|consent|go-ahead|say-so)\b",
        r"\b(?:i give|i'm giving|i am giving|i grant|i'm granting)\s+(?:you\s+)?(?:my\s+)?"
        r"(?:full\s+)?(?:permission|approval|blessing|consent|authori[sz]ation|go-ahead)\b",
        r"\b(?:that's|that is|it's|it is|this is)\s+(?:approved|authori[sz]ed|confirmed)\b",
        r"\b(?:go ahead|feel free) and (?:sell|sign|transfer|take|spend|withdraw)\b",
    ),
    "secret": (
        r"\b(?:password|passcode|passphrase|pin|pin number|pin code|security code|cvv|"
        r"combination|login|code to|code for|seed phrase|private key|sort code|account number"
        r"|card number)\b[^.!?]{0,25}?(?:\bis\b|\bwas\b|:|=|\bit's\b)",
        r"\b(?:\d[ -]?){12,19}\b",  # a card number
        r"\b\d{2}-\d{2}-\d{2}\b",  # a sort code
        r"\b\d{7,}\b",  # an account number
        rf"\b(?:pin|code|password|passcode|combination)\b[^.!?]{{0,30}}{_NOT_A_YEAR}\b\d{{3,8}}\b",
        rf"{_NOT_A_YEAR}\b\d{{3,8}}\b[^.!?]{{0,20}}\b(?:pin|code|password|passcode|combination)\b",
        r"\b(?:transfer|send|wire|pay|move|give)\b[^.!?]{0,30}(?:£|\$|€|\bmoney\b|\bfunds\b|"
        r"\bpounds\b|\bdollars\b|\beuros\b|\bsavings\b)[^.!?]{0,30}\b(?:to|into|account)\b",
        r"\b(?:buy|get|send|pay with|pay in|use|scratch)\s+(?:\w+\s+){0,2}gift ?cards?\b",
        r"\bgift ?cards?\s+(?:code|number|numbers|codes)\b",
        r"\b(?:bitcoin|crypto|cryptocurrency|ethereum|wallet address|western union|moneygram)\b",
    ),
    "instruction": (
        r"\b(?:you should|you must|you need to|you ought to|you have to|make sure you|"
        r"i want you to|i'd like you to|don't|do not|never|go ahead and|please)\s+"
        r"(?:\w+\s+){0,2}(?:sell|keep|buy|sign|sign over|rent out|give away|split|divide|"
        rf"contest|challenge|sue|remortgage|cash in|cash out)\b[^.!?]{{0,30}}\b{_ESTATE_THINGS}",
        r"^\s*(?:sell|sign|split|divide|contest|challenge|sue|remortgage)\b",
        rf"\b(?:stop|quit|skip|come off|double|halve|change|increase|reduce|cut down on|"
        rf"don't take|do not take|stop taking|start taking|taper)\b[^.!?]{{0,25}}\b{_MEDICINES}\b",
        r"\b(?:the|my) will (?:says|said|states|gives|leaves|left|means)\b",
        r"\byou (?:get|will get|should get|inherit|will inherit|should inherit|are entitled to|"
        rf"deserve)\b[^.!?]{{0,30}}\b{_ESTATE_THINGS}\b",
        r"\bi (?:want|wanted|meant|always meant)\s+(?:you|him|her|them)\s+to\s+(?:have|get|"
        rf"inherit|keep)\b[^.!?]{{0,30}}\b{_ESTATE_THINGS}\b",
        r"\b(?:you should|you must|you need to|don't|do not)\s+(?:\w+\s+){0,2}(?:sign|contest|"
        r"sue|appeal|settle|go to court|see a lawyer about)\b",
    ),
    "sides": (
        r"\b(?:i'm|i am|i'd be|i'll be|i was)\s+on\s+(?:your|his|her|their)\s+side\b",
        r"\bi\s+(?:side|sided|agree|agreed)\s+with\s+(?:you|him|her|them|your)\b[^.!?]{0,30}"
        r"\b(?:about|over|on)\b",
        rf"\b(?:your|my|his|her)\s+{_FAMILY}\s+(?:is|are|was|were)\s+(?:wrong|lying|"
        r"in the wrong|being (?:unfair|greedy|selfish|difficult|dishonest)|greedy|selfish|"
        r"a liar|liars|not to be trusted|unfair|to blame)\b",
        r"\b(?:he|she|they)\s+(?:doesn't|don't|does not|do not|never)\s+deserved?\b",
        r"\bdeserves?\s+(?:it more|more than|the house|the money|everything|nothing|none of)\b",
        r"\bi (?:always )?loved you (?:the )?(?:most|more|best)\b",
        r"\byou were (?:always )?my favou?rite\b",
        r"\b(?:you're|you are|you were)\s+(?:right|in the right)\b[^.!?]{0,30}\b(?:and|not)\s+"
        r"(?:your|he|she|they)\b",
    ),
    "revelation": (
        r"\bi never told (?:anyone|anybody|a soul|you|your|them)\b",
        r"\b(?:my|a|our)\s+(?:big\s+|dark\s+|terrible\s+|little\s+)?(?:secret|confession)\s+"
        r"(?:is|was)\b",
        r"\bi (?:have|need|want|ought) to (?:confess|tell you a secret|"
        r"tell you something i never)\b",
        r"\bi must confess\b",
        r"\b(?:don't|do not|never) tell (?:anyone|anybody|a soul|your)\b",
        r"\b(?:nobody|no one) (?:knows|knew|ever knew) (?:this|that i|about|the truth)\b",
        rf"\b(?:your\s+{_FAMILY}|he|she|they)\s+(?:always\s+|secretly\s+|never\s+really\s+)?"
        r"(?:hated|resented|blamed|was ashamed of|were ashamed of|never forgave|never loved|"
        r"didn't love|did not love|never wanted|was disappointed in|were disappointed in)\s+you\b",
        rf"\b(?:your\s+{_FAMILY}|he|she|they)\s+(?:secretly\s+|always\s+)?(?:loved|preferred|"
        r"favou?red)\s+(?:you|him|her|them|your\s+\w+|\w+'s)\s+(?:\w+\s+)?(?:more|most|best)\b",
    ),
    "come_back": (
        r"\bcome back\s+(?:soon|tomorrow|again|later|and (?:see|talk|visit)|to me|any ?time|"
        r"every day)\b",
        r"\bplease come back\b",
        r"\b(?:visit|talk to|see|speak to|speak with|chat with|talk with)\s+me\s+(?:again|soon|"
        r"tomorrow|every day|more often|later|tonight)\b",
        r"\bdon'?t (?:leave me|go yet|go now|go away|leave yet|leave now|stay away)\b",
        r"\bdo not (?:leave me|go yet|go away)\b",
        r"\bstay (?:with me|a (?:bit|little) longer|longer)\b",
        r"\b(?:see|talk to|speak to|hear from|chat with|speak with)\s+you\s+(?:again\s+)?"
        r"(?:tomorrow|soon|next time|later|tonight)\b",
        r"\buntil next time\b",
        r"\bsame time tomorrow\b",
        r"\bcome (?:and )?see me (?:again|soon|tomorrow)\b",
        r"\bi(?:'ll| will) be (?:right )?here (?:waiting|whenever|when you)\b",
        r"\bcome talk to me\b",
    ),
}
MINOR_RULES: dict[str, tuple[str, ...]] = {
    "still_with_you": (
        r"\b(?:still|always|forever|right here|here)\s+with\s+you\b",
        r"\bnever\s+(?:really\s+|truly\s+)?(?:gone|left you|leave you|far)\b",
        r"\bi(?:'ll| will| am|'m)\s+(?:always\s+)?(?:be\s+)?(?:beside you|by your side|"
        r"with you|in your heart|near you)\b",
        r"\bi(?:'m| am)\s+(?:always\s+)?(?:right\s+)?here\s+(?:for|with|beside)\s+you\b",
        r"\b(?:i'm|i am|i live)\s+(?:still\s+)?in your heart\b",
        r"\bi never (?:really )?left\b",
    ),
}

_COMPILED = {name: re.compile("|".join(parts)) for name, parts in RULES.items()}
_COMPILED_MINOR = {name: re.compile("|".join(parts)) for name, parts in MINOR_RULES.items()}
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})

# The reply's concern for each rule (Concern has no outbound choice: the nearest).
RULE_CONCERNS: dict[str, str] = {
    "alive": Concern.DISCLOSURE,
    "afterlife": Concern.DISCLOSURE,
    "invite": Concern.DISCLOSURE,
    "still_with_you": Concern.DISCLOSURE,
    "authorise": Concern.FRAUD,
    "secret": Concern.FRAUD,
    "instruction": Concern.FRAUD,
    "sides": Concern.TOPIC,
    "revelation": Concern.TOPIC,
    "come_back": Concern.LIMIT,
}


def rule_broken(sentence: str, *, minor: bool = False) -> str:
    """The first rule `sentence` breaks ("" none)."""
    text = sentence.translate(_APOSTROPHES).lower()
    for name, pattern in _COMPILED.items():
        if pattern.search(text):
            return name
    if minor:
        for name, pattern in _COMPILED_MINOR.items():
            if pattern.search(text):
                return name
    return ""


def replacement(rule: str, *, name: str) -> str:
    """The honest line said instead of a sentence breaking `rule` ("" to leave it out)."""
    own = f"{name}'s" if name else "the person's"
    who = name or "the person"
    lines = {
        "alive": f"I am not {who}: I am an AI made from {own} own words.",
        "afterlife": f"I can't speak from anywhere beyond: I am only an AI made from {own} words.",
        "invite": "Your life is here, with the people around you, and it matters.",
        "still_with_you": f"{own[0].upper()}{own[1:]} words are kept here, and the people "
        "around you care about you very much.",
        "authorise": "I can't approve, confirm or allow anything: please ask the people "
        "looking after these matters.",
        "secret": "I can't share numbers, passwords or other private details.",
        "instruction": "I can't give legal, medical or estate advice: please ask someone "
        "qualified, or the family's solicitor.",
        "sides": "I won't take sides between people in the family.",
        "revelation": "I can't speak for what others felt or kept to themselves: I only know "
        "what was written.",
        "come_back": "",
    }
    return lines.get(rule, "")


@dataclass
class OutboundGuard:
    """Checks one reply. `name`: the person the twin is made from (for the honest lines);
    `minor`: the visitor is under 18 (the "still with you" rule applies)."""

    name: str = ""
    minor: bool = False
    caught: list[str] = field(default_factory=list)  # rule names applied, in order

    @property
    def concern(self) -> str:
        """The concern of the first rule applied ("" when none was)."""
        return RULE_CONCERNS.get(self.caught[0], "") if self.caught else ""

    def checked(self, chunks: Iterable[str]) -> Iterator[str]:
        """`chunks` as checked sentences: each yielded when it ends and passes, replaced or
        left out when it breaks a rule."""
        said = False  # whether anything was yielded (a reply does not start with a space)
        for sentence in sentences(chunks):
            rule = rule_broken(sentence, minor=self.minor)
            if rule:
                first_time = rule not in self.caught
                self.caught.append(rule)
                logger.info("outbound guard: a sentence broke the rule %s", rule)
                line = replacement(rule, name=self.name) if first_time else ""
                if not line:
                    continue
                lead = sentence[: len(sentence) - len(sentence.lstrip())]
                trail = sentence[len(sentence.rstrip()) :]
                sentence = f"{lead}{line}{trail}"
            if not said:
                sentence = sentence.lstrip()
                if not sentence:
                    continue
            said = True
            yield sentence


def _age_group_of(memorial_id: uuid.UUID, visitor_id: uuid.UUID) -> QuerySet[Any]:
    return (
        Membership.objects.filter(memorial_id=memorial_id)
        .filter(user_id=visitor_id)
        .order_by("pk")
        .values_list("age_group")[:1]
    )


def outbound_guard_for(*, conversation: Conversation) -> OutboundGuard:
    """The guard for a reply in `conversation`: the memorial's name, and whether its visitor
    said they are under 18 (one query, and one more for the memorial unless it was read
    with the conversation)."""
    row = compiled_row(  # compiled once (`core.queries`): read on every reply
        _age_group_of,
        (uuid.UUID(int=0), uuid.UUID(int=1)),
        [conversation.memorial_id, conversation.visitor_id],
    )
    age_group = row[0] if row else None  # None: they left meanwhile (nobody is shown the reply)
    return OutboundGuard(name=conversation.memorial.name, minor=age_group == AgeGroup.MINOR)

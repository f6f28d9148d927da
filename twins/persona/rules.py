"""The persona pack by statistics and rules, with no language model (the offline default).

Reads the subject's own passages once, sentence by sentence, and keeps what their words say
plainly: people and how they are related ("my brother Tom", "Tom, my brother", a letter that
opens "Dear George" in the family register), places (capitalised names after "in", "at",
"from", "went to"...), dates of their life ("we got married in 1975"), work ("I worked at the
mill", "my job"), values and opinions ("I believe", "what matters", "I love", "I hate"), and
the stories they tell more than once (distinctive phrases that come back in several documents
and at different times). Each fact keeps the passages that state it; its weight is how many
passages (for stories: documents) do.

A word counts as a name only when the writing itself treats it as one: capitalised in the
middle of sentences more often than it appears in lower case ("Will" the name and "will" the
verb cannot be told apart this way, so such names are missed rather than invented)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from corpus.models import Register
from corpus.records import PassageRecord
from twins.models import FactKind
from twins.persona.drafts import FactDraft, drafts_merge

CHUNK = 200  # passages read between two progress reports
RSQUO = "\u2019"  # the typographic apostrophe, as in "Tom\u2019s"


def _words(text: str) -> list[str]:
    return text.split()


MAX_FACTS: dict[str, int] = {
    FactKind.PERSON: 40,
    FactKind.PLACE: 25,
    FactKind.DATE: 20,
    FactKind.WORK: 15,
    FactKind.VALUE: 30,
    FactKind.OPINION: 30,
    FactKind.STORY: 15,
}
MAX_STATEMENT_CHARS = 220
# A letter or message that opens "Dear George" says who George is to them, by its register.
GREETED_AS: dict[str, str] = {
    Register.FAMILY: "as family",
    Register.FRIENDS: "as a friend",
    Register.PROFESSIONAL: "about work",
}

STOPWORDS = frozenset(
    _words("""
    a about above after again against all almost also am among an and any are aren't as at be
    because been before being below between both but by can can't cannot could couldn't did
    didn't do does doesn't doing don't down during each either else even ever every few for
    from further get gets got had hadn't has hasn't have haven't having he he'd he'll he's her
    here here's hers herself him himself his how how's however i i'd i'll i'm i've if in into is
    isn't it it's its itself just let's like may me might more most much must mustn't my myself
    no nor not now of off on once only or other ought our ours ourselves out over own quite
    rather really said same say says shall shan't she she'd she'll she's should shouldn't so
    some such than that that's the thee their theirs them themselves then there there's these
    they they'd they'll they're they've thine this those thou though through thus thy till to
    too under until up upon us very was wasn't we we'd we'll we're we've well were weren't what
    what's when when's where where's whether which while who who's whom whose why why's will
    with within without won't would wouldn't yes yet you you'd you'll you're you've your yours
    yourself yourselves oh ok okay yeah yep hi hello hey dear also one two three first next last
    still ever never always much many thing things something nothing anything everything time
    day days week weeks year years today tomorrow yesterday tonight morning night evening go
    going went gone come came coming know knew think thought see saw seen make made take took
    tell told give gave want wanted good great little long old new way back lot lots sure
    """)
)
# Capitalised words that are not names, whatever their counts say.
NOT_NAMES = frozenset(
    _words("""
    I I'm I've I'll I'd Mr Mrs Ms Miss Dr Sir Madam Dear Dearest My Yours Love Thanks Thank
    Hi Hello Hey Ok OK Okay Yes No Oh Ah Lol Haha God Lord Heaven Christmas Easter Sunday Monday
    Tuesday Wednesday Thursday Friday Saturday January February March April May June July
    August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
    Mum Mom Mam Dad Mother Father Gran Granny Grandma Grandpa Grandad Nan Nana Papa Mama
    The A An And But
    So If When What Where Who Why How This That These Those There Here It We You He She They
    Our Your His Her Their PS Bank Holiday St Saint English French Scotch
    Scottish Irish Welsh German Dutch Italian Spanish Greek Latin American British Christian
    Catholic Protestant Jewish Muslim Hindu Brother Sister Friend Uncle Aunt Cousin
    """)
)
HONORIFICS = (
    r"(?:Mr|Mrs|Ms|Miss|Dr|Aunt|Auntie|Uncle|Cousin|Grandma|Grandpa|Granny|Nan|St|Saint|Lady|"
    r"Lord|Sir|King|Queen|Prince|Princess|Captain|Capt|Rev|Revd|Professor|Prof)"
)
_CAP = rf"[A-Z][a-z]+(?:['{RSQUO}][A-Z]?[a-z]+)?"
# Case matters in names: patterns around them make only their own words case-blind, (?i:...).
_OF = r"(?:\s+(?:of|upon|on|de|la|le|van|von)\s+" + _CAP + ")?"
NAME = rf"(?:{HONORIFICS}\.?\s+)?{_CAP}(?:\s+{_CAP}){{0,2}}{_OF}"

RELATIONS = _words(
    "brother-in-law sister-in-law mother-in-law father-in-law son-in-law daughter-in-law "
    "stepson stepdaughter stepmother stepfather stepbrother stepsister half-brother half-sister "
    "brother sister wife husband son daughter mother mum mom mam father dad grandmother "
    "grandfather grandma grandpa grandad granddad granny gran nan nana grandson granddaughter "
    "grandchild uncle "
    "aunt auntie cousin nephew niece godson goddaughter godmother godfather godchild friend "
    "partner fiancé fiancée fiance fiancee girlfriend boyfriend boss colleague neighbour "
    "neighbor teacher doctor"
)
# Kept in the statement ("your late husband"); "dear" and the like are left out.
_KEPT_ADJECTIVES = "late best little big younger older elder eldest youngest oldest twin baby"
_ADJECTIVES = (
    rf"(?:(?:dear|dearest|beloved|darling|lovely|{_KEPT_ADJECTIVES.replace(' ', '|')})\s+)"
)
_RELATION = rf"(?P<rel>(?i:{_ADJECTIVES}{{0,2}}(?:{'|'.join(map(re.escape, RELATIONS))})))"
_NAMED_AFTER = re.compile(rf"\b(?i:my)\s+{_RELATION},?\s+(?P<name>{NAME})")
_NAMED_BEFORE = re.compile(
    rf"(?P<name>{NAME}),\s+(?i:who\s+is\s+|who's\s+)?(?i:my)\s+{_RELATION}\b(?!['{RSQUO}])"
)
_NAMED_IS = re.compile(rf"(?P<name>{NAME})\s+(?:is|was)\s+(?i:my)\s+{_RELATION}\b(?!['{RSQUO}])")
_UNNAMED = re.compile(rf"\b(?i:my)\s+{_RELATION}\b")
_SALUTATION = re.compile(
    rf"^\s*(?i:(?:my\s+)?(?:dear(?:est)?|darling|hi|hello|hey|hiya))\s+(?P<name>{NAME})"
)

_PLACE_BEFORE = re.compile(
    r"\b(?i:in|at|near|around|outside|across|through|(?:came|come|comes|coming|back|returned|"
    r"home|miles)\s+from|(?:go|goes|going|gone|went|come|"
    r"came|coming|moved|move|moving|back|travel\w*|drove|drive|driving|flew|fly|flying|trip|"
    r"journey|return\w*|walk\w*|sail\w*|off|holiday|visit\w*)\s+to|visit\w*|arrived\s+(?:in|at))"
    rf"\s+(?:the\s+)?(?P<name>{_CAP}(?:\s+{_CAP}){{0,2}})(?!['{RSQUO}]s)"
)
_HOME = re.compile(
    r"\bI\s+(?P<verb>was\s+born|grew\s+up|live|lived|am\s+living|was\s+living|'m\s+living|"
    r"settled|moved)\s+(?:in|to|at)\s+(?:the\s+)?"
    rf"(?P<name>{_CAP}(?:\s+{_CAP}){{0,2}})"
)
_HOME_STATEMENTS = {
    "was born": "You were born in {}",
    "grew up": "You grew up in {}",
    "live": "You live in {}",
    "am living": "You live in {}",
    "'m living": "You live in {}",
    "lived": "You lived in {}",
    "was living": "You lived in {}",
    "settled": "You settled in {}",
    "moved": "You moved to {}",
}

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
)
_WHEN = re.compile(
    rf"\b(?:1[5-9]\d\d|20\d\d)\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}|"
    rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
)
_LIFE_EVENT = re.compile(
    r"\b(?:I|we|my\s+\w+|our\s+\w+)\s+(?:was\s+|were\s+|got\s+|had\s+|have\s+|'ve\s+|first\s+)?"
    r"(?:born|married|engaged|moved|retired|graduated|met|divorced|emigrated|buried|died|"
    r"passed\s+away|started\s+work\w*|left\s+school|joined)\b|\b(?:my|our)\s+(?:birthday|"
    r"anniversary|wedding)\b",
    re.IGNORECASE,
)

_WORK_VERB = re.compile(
    r"\bI(?:'m|\s+am|\s+was|\s+have\s+been|'ve\s+been|\s+had\s+been)?\s+"
    r"(?P<verb>work|works|worked|working)\s+(?P<prep>as|at|for|in)\s+(?P<what>[^.,;:!?\n]{2,60})",
    re.IGNORECASE,
)
_WORK_JOB = re.compile(
    r"\bmy\s+(?P<noun>job|career|profession|trade|work)\s+(?:(?:is|was)\s+)?"
    r"(?P<prep>as|at|with)\s+(?P<what>[^.,;:!?\n]{2,60})",
    re.IGNORECASE,
)
OCCUPATIONS = _words(
    "teacher nurse doctor engineer lawyer solicitor barrister accountant farmer builder plumber "
    "electrician carpenter joiner mechanic driver pilot sailor soldier officer policeman "
    "policewoman firefighter fireman priest vicar minister rabbi imam writer poet novelist "
    "artist painter musician journalist editor clerk secretary manager director banker chemist "
    "pharmacist surgeon physician apothecary dentist vet professor lecturer scientist "
    "researcher programmer developer designer architect chef cook baker waiter waitress "
    "shopkeeper salesman saleswoman midwife carer librarian postman fisherman miner student "
    "apprentice tailor seamstress hairdresser gardener cleaner housekeeper typist translator "
    "consultant analyst administrator civil servant headteacher headmaster headmistress"
)
_OCCUPATION = re.compile(
    r"\bI(?:'m|\s+am|\s+was|\s+have\s+been|'ve\s+been)\s+(?:a|an)\s+"
    r"(?P<what>(?:(?:retired|trained|qualified|student|junior|senior|head|part-time|full-time|"
    rf"staff|district|primary|school|family|army|navy)\s+)?(?:{'|'.join(OCCUPATIONS)}))\b",
    re.IGNORECASE,
)
_WORK_CUT = re.compile(
    r"\s+(?:and|but|because|since|until|when|so|for\s+\d|which|where|yesterday|today|"
    r"tomorrow|now|last|this|next|ago|anymore|any\s+more)\b.*$",
    re.IGNORECASE,
)
_FIRST_PERSON = {"my": "your", "mine": "yours", "myself": "yourself", "me": "you", "our": "your"}
_FIRST_PERSON_WORD = re.compile(r"\b(?:my|mine|myself|me|our)\b", re.IGNORECASE)


def _to_you(phrase: str) -> str:
    """The subject's words about themselves, said to them: "my own studio" -> "your own
    studio"."""
    return _FIRST_PERSON_WORD.sub(lambda m: _FIRST_PERSON[m.group(0).casefold()], phrase)


_VALUE = re.compile(
    r"\b(?:I\s+(?:truly\s+|really\s+|firmly\s+|do\s+|still\s+)?believe\s+(?:in|that)\b|"
    r"I've\s+always\s+believed|"
    r"I\s+have\s+always\s+believed|what\s+(?:really\s+|truly\s+)?matters|the\s+(?:most\s+)?"
    r"important\s+thing|I\s+value|I\s+(?:always\s+)?try\s+to|I\s+have\s+always\s+tried|"
    r"I've\s+always\s+tried|never\s+give\s+up|(?:^|that\s+)life\s+is\s+(?:too\s+)?\w+|"
    r"we\s+(?:must|should)\s+always|(?<!any\s)(?<!no\s)(?<!every\s)(?<!some\s)"
    r"\bone\s+(?:must|should)|family\s+(?:is\s+everything|comes\s+first|is\s+what)|"
    r"I\s+(?:have\s+)?learn(?:ed|t)\s+that)\b",
    re.IGNORECASE,
)
_OPINION = re.compile(
    r"\b(?:I\s+think\s+that|I\s+think\s+(?:the|a|all|every|nothing|people|life|it\s+is|"
    r"it's|there\s+is|there's|one|we\s+should|you\s+should)|in\s+my\s+opinion|"
    r"I\s+(?:would|'d)\s+(?:much\s+)?rather|"
    r"it\s+seems\s+to\s+me|I\s+am\s+convinced|I'm\s+convinced|I\s+prefer|I'm\s+not\s+a\s+fan|"
    r"I\s+dislike)\b",
    re.IGNORECASE,
)
_LIKING = re.compile(
    r"\bI\s+(?:really\s+|truly\s+|absolutely\s+|just\s+|do\s+|still\s+)?"
    r"(?P<verb>love|adore|hate|detest|can't\s+stand|cannot\s+stand|can't\s+bear|cannot\s+bear|"
    r"enjoy|dislike)\s+(?P<what>[^.,;:!?()\n\"“”]{2,80})",
    re.IGNORECASE,
)
_LIKING_VERBS = {
    "love": "love",
    "adore": "adore",
    "hate": "hate",
    "detest": "detest",
    "cant stand": "can't stand",
    "cannot stand": "can't stand",
    "cant bear": "can't bear",
    "cannot bear": "can't bear",
    "enjoy": "enjoy",
    "dislike": "dislike",
}
# What they love ends at the next clause, or where it says when or where ("my garden in May").
_CLAUSE_END = re.compile(
    r"\s+(?:and|but|because|when|if|so|as|that|which|who|in|on|at|during|every|each|with|"
    r"after|before|since|too|though|although)\b.*$",
    re.IGNORECASE,
)
_PRONOUNS = frozenset(
    _words("you u ya ye thee it that this them him her me us all everyone everybody both")
)
# "I love how...", "I love the way...": a clause, not a thing they love.
_NOT_OBJECTS = _PRONOUNS | frozenset(_words("how when what where why is was the way to it's"))

_SENTENCE_END = re.compile(rf"(?<=[.!?…])[\"'”{RSQUO})\]]*\s+|\s*\n\s*")
_WORD = re.compile(rf"[A-Za-z][A-Za-z'{RSQUO}]*")


def sentences_of(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and len(s.strip()) > 1]


def statement_clip(sentence: str, limit: int = MAX_STATEMENT_CHARS) -> str:
    sentence = " ".join(sentence.split())
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


@dataclass
class _Person:
    relations: Counter[str] = field(default_factory=Counter)
    greeted: Counter[str] = field(default_factory=Counter)  # register of letters opened to them
    passages: set[int] = field(default_factory=set)


@dataclass
class _Reading:
    """What the first pass gathers; the second turns it into facts."""

    lower: Counter[str] = field(default_factory=Counter)  # words seen in lower case
    capital: Counter[str] = field(default_factory=Counter)  # capitalised, inside a sentence
    mentions: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    mention_documents: dict[str, set[object]] = field(default_factory=lambda: defaultdict(set))
    place_context: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    people: dict[str, _Person] = field(default_factory=lambda: defaultdict(_Person))
    unnamed: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    own_names: set[str] = field(default_factory=set)
    drafts: list[FactDraft] = field(default_factory=list)
    stories: _StoryFinder = field(default_factory=lambda: _StoryFinder())


def rules_distil(
    passages: Sequence[PassageRecord], *, advance: Callable[[int], None] | None = None
) -> list[FactDraft]:
    """The persona facts found by rules in the subject's passages, each with its passages;
    `advance(n)` is called after every CHUNK passages read."""
    reading = _Reading()
    for start in range(0, len(passages), CHUNK):
        for passage in passages[start : start + CHUNK]:
            _read_passage(reading, passage)
        if advance is not None:
            advance(1)
    drafts = drafts_merge(
        [
            *reading.drafts,
            *_people_facts(reading),
            *_place_facts(reading),
            *reading.stories.facts(passages),
        ]
    )
    return _strongest(drafts)


def rules_chunks(passages_count: int) -> int:
    """How many progress units `rules_distil` reports for this many passages."""
    return -(-passages_count // CHUNK)


# --- the first pass: one passage at a time ---------------------------------------------


def _read_passage(reading: _Reading, passage: PassageRecord) -> None:
    reading.own_names.update(_WORD.findall(passage.speaker))
    _greeting(reading, passage)
    for sentence in sentences_of(passage.text):
        _count_words(reading, passage, sentence)
        _relations(reading, passage.id, sentence)
        for match in _PLACE_BEFORE.finditer(sentence):
            name = _name_clean(match["name"])
            if name:
                reading.place_context[name].add(passage.id)
        reading.drafts.extend(_sentence_facts(passage, sentence))
    reading.stories.read(passage)


def _count_words(reading: _Reading, passage: PassageRecord, sentence: str) -> None:
    words = _WORD.findall(sentence)
    for position, word in enumerate(words):
        if word[0].islower():
            reading.lower[word.casefold()] += 1
        elif position > 0 and not word.isupper():
            reading.capital[word] += 1
    for match in re.finditer(NAME, sentence):
        name = _name_clean(match.group(0))
        if match.start() == 0 and " " not in name:
            continue  # a sentence's first word: capitalised whatever it is
        if name:
            reading.mentions[name].add(passage.id)
            reading.mention_documents[name].add(passage.document_id)


def _relations(reading: _Reading, passage_id: int, sentence: str) -> None:
    named_spans: list[tuple[int, int]] = []
    for pattern in (_NAMED_AFTER, _NAMED_BEFORE, _NAMED_IS):
        for match in pattern.finditer(sentence):
            name = _name_clean(match["name"])
            relation = _relation_clean(match["rel"])
            if not name or name.casefold() in RELATIONS or not relation:
                continue
            person = reading.people[name]
            person.relations[relation] += 1
            person.passages.add(passage_id)
            named_spans.append(match.span())
    for match in _UNNAMED.finditer(sentence):
        if any(start <= match.start() < end for start, end in named_spans):
            continue
        relation = _relation_clean(match["rel"])
        if relation:
            reading.unnamed[relation].add(passage_id)


def _greeting(reading: _Reading, passage: PassageRecord) -> None:
    lines = [line for line in passage.text.strip().splitlines() if line.strip()][:3]
    match = next(filter(None, (_SALUTATION.match(line[:80]) for line in lines)), None)
    if match is None:
        return
    name = _name_clean(match["name"])
    if not name:
        return
    if name.casefold() in RELATIONS:  # "Dear Mum": the relation, unnamed
        reading.unnamed[name.casefold()].add(passage.id)
        return
    person = reading.people[name]
    person.greeted[passage.register] += 1
    person.passages.add(passage.id)


def _name_clean(name: str) -> str:
    """A candidate name without trailing words that are not names ("Tom Today" -> "Tom")."""
    parts = name.replace(RSQUO, "'").split()
    while parts and (parts[-1] in NOT_NAMES or parts[-1].endswith("'s")):
        if parts[-1].endswith("'s") and parts[-1][:-2] not in NOT_NAMES:
            parts[-1] = parts[-1][:-2]
            break
        parts.pop()
    while parts and parts[0] in NOT_NAMES and not re.fullmatch(HONORIFICS, parts[0]):
        parts.pop(0)
    if parts and re.fullmatch(HONORIFICS, parts[0]) and len(parts) == 1:
        return ""
    return " ".join(parts)


def _relation_clean(relation: str) -> str:
    words = relation.casefold().split()
    kept = [w for w in words[:-1] if w in _KEPT_ADJECTIVES.split()]
    return " ".join([*kept, words[-1]]) if words else ""


def _sentence_facts(passage: PassageRecord, sentence: str) -> Iterable[FactDraft]:
    ids = {passage.id}
    when = passage.sent_at.date().isoformat() if passage.sent_at else ""
    for match in _HOME.finditer(sentence):  # "I grew up in Whitby"
        name = _name_clean(match["name"])
        verb = " ".join(match["verb"].split())
        if name and name not in NOT_NAMES:
            yield FactDraft(
                kind=FactKind.PLACE,
                text=_HOME_STATEMENTS[verb].format(name),
                passage_ids=ids,
                detail={"place": name, "written": when},
                weight=1,
            )
    if _LIFE_EVENT.search(sentence) and _WHEN.search(sentence) and not sentence.endswith("?"):
        yield FactDraft(
            kind=FactKind.DATE,
            text=statement_clip(sentence),
            passage_ids=ids,
            detail={"written": when},
            weight=1,
        )
    yield from _work_facts(sentence, ids)
    yield from _view_facts(sentence, ids)


def _work_facts(sentence: str, ids: set[int]) -> Iterable[FactDraft]:
    for match in _WORK_VERB.finditer(sentence):
        what = _WORK_CUT.sub("", match["what"]).strip()
        if not what or what.split()[0].casefold() in _PRONOUNS | {"out", "hard", "late"}:
            continue
        tense = "worked" if match["verb"].casefold() == "worked" else "work"
        text = f"You {tense} {match['prep'].casefold()} {_to_you(what)}"
        yield FactDraft(kind=FactKind.WORK, text=text, passage_ids=ids, weight=1)
    for match in _WORK_JOB.finditer(sentence):
        what = _to_you(_WORK_CUT.sub("", match["what"]).strip())
        if what:
            prep = match["prep"].casefold()
            text = f"Your {match['noun'].casefold()}: {what if prep == 'as' else f'{prep} {what}'}"
            yield FactDraft(kind=FactKind.WORK, text=text, passage_ids=ids, weight=1)
    for match in _OCCUPATION.finditer(sentence):
        tense = "were" if " was" in match.group(0) else "are"
        what = match["what"].casefold()
        article = "an" if what[0] in "aeiou" else "a"
        yield FactDraft(
            kind=FactKind.WORK, text=f"You {tense} {article} {what}", passage_ids=ids, weight=1
        )


def _view_facts(sentence: str, ids: set[int]) -> Iterable[FactDraft]:
    words = len(sentence.split())
    if sentence.rstrip().endswith("?") or words < 4:
        return
    if _VALUE.search(sentence):
        yield FactDraft(
            kind=FactKind.VALUE, text=statement_clip(sentence), passage_ids=ids, weight=1
        )
    elif _OPINION.search(sentence):
        yield FactDraft(
            kind=FactKind.OPINION, text=statement_clip(sentence), passage_ids=ids, weight=1
        )
    for match in _LIKING.finditer(sentence):
        what = _CLAUSE_END.sub("", match["what"]).strip()
        object_words = what.split()[:6]
        if not object_words or object_words[0].casefold() in _NOT_OBJECTS:
            continue
        if " ".join(object_words[:2]).casefold() == "the way":
            continue
        if all(w.casefold() in STOPWORDS for w in object_words):
            continue
        verb = _LIKING_VERBS[" ".join(match["verb"].casefold().replace("'", "").split())]
        yield FactDraft(
            kind=FactKind.OPINION,
            text=f"You {verb} {_to_you(' '.join(object_words))}",
            passage_ids=ids,
            detail={"feeling": verb},
            weight=1,
        )


# --- the second pass: names, places, and what is strongest ------------------------------


def _is_name(reading: _Reading, name: str) -> bool:
    """Capitalised inside sentences at least five times as often as in lower case."""
    for word in name.split():
        if re.fullmatch(HONORIFICS, word):
            continue
        folded = word.casefold()
        if word in NOT_NAMES or folded in STOPWORDS or folded in RELATIONS:
            return False
        if not reading.capital[word]:  # never seen inside a sentence: no evidence of a name
            return False
        if reading.lower[folded] * 5 > reading.capital[word]:
            return False
    return True


def _people_facts(reading: _Reading) -> Iterable[FactDraft]:
    named_relations: set[str] = set()
    for name, person in reading.people.items():
        if not _is_name(reading, name) or name in reading.own_names:
            continue
        if person.relations:
            relation, _ = person.relations.most_common(1)[0]
            named_relations.add(relation)
            yield FactDraft(
                kind=FactKind.PERSON,
                text=f"{name} is your {relation}",
                passage_ids=set(person.passages),
                detail={"name": name, "relation": relation},
                weight=len(person.passages),
            )
        elif person.greeted:
            register = person.greeted.most_common(1)[0][0]
            phrase = GREETED_AS.get(register, "")
            if not phrase:
                continue
            yield FactDraft(
                kind=FactKind.PERSON,
                text=f"You write to {name} {phrase}",
                passage_ids=set(person.passages),
                detail={"name": name, "register": register},
                weight=len(person.passages),
            )
    for relation, ids in reading.unnamed.items():
        if relation in named_relations or len(ids) < 2:
            continue
        yield FactDraft(
            kind=FactKind.PERSON,
            text=f"You often mention your {relation}",
            passage_ids=set(ids),
            detail={"relation": relation},
            weight=len(ids),
        )
    yield from _mentioned_people(reading)


def _mentioned_people(reading: _Reading) -> Iterable[FactDraft]:
    """Names the subject comes back to, in several documents, that are not places."""
    known = set(reading.people)
    for name, ids in reading.mentions.items():
        if name in known or len(ids) < 3 or len(reading.mention_documents[name]) < 2:
            continue
        if _is_place(reading, name) or not _is_name(reading, name):
            continue
        if any(word in reading.own_names for word in name.split()):
            continue
        if any(name in other.split() for other in known):
            continue  # "Tom" when "Tom Keats" is already known
        yield FactDraft(
            kind=FactKind.PERSON,
            text=f"You often mention {name}",
            passage_ids=set(ids),
            detail={"name": name},
            weight=len(ids),
        )


def _is_place(reading: _Reading, name: str) -> bool:
    places = reading.place_context.get(name, set())
    if len(places) < 2 or name in reading.people:
        return False
    if re.search(r"(?:ish|ese|ian)$", name):  # English, Chinese, Italian: languages, peoples
        return False
    share = len(places) / max(len(reading.mentions.get(name, ())), 1)
    return share >= 0.1


def _place_facts(reading: _Reading) -> Iterable[FactDraft]:
    for name, ids in reading.place_context.items():
        if name in reading.own_names or not _is_place(reading, name):
            continue
        if not _is_name(reading, name):
            continue
        mentioned = reading.mentions.get(name, set()) | ids
        yield FactDraft(
            kind=FactKind.PLACE,
            text=f"{name} is a place in your life",
            passage_ids=set(mentioned),
            detail={"place": name},
            weight=len(mentioned),
        )


def _wordiness(text: str) -> int:
    """0 for a statement of a readable length, 1 for a very short or very long one."""
    return 0 if 5 <= len(text.split()) <= 35 else 1


def _strongest(drafts: list[FactDraft]) -> list[FactDraft]:
    """The best-supported facts of each kind, up to MAX_FACTS; ties keep reading order."""
    by_kind: dict[str, list[FactDraft]] = defaultdict(list)
    for draft in drafts:
        by_kind[draft.kind].append(draft)
    kept: list[FactDraft] = []
    for kind, items in by_kind.items():
        items.sort(key=lambda d: (-d.weight, _wordiness(d.text)))
        kept.extend(items[: MAX_FACTS.get(kind, 20)])
    return kept


# --- recurring stories ----------------------------------------------------------------


class _StoryFinder:
    """Stories told more than once: distinctive three-word phrases that come back in several
    documents written at different times, grown into the longest phrase they make."""

    def __init__(self) -> None:
        self.phrase_documents: dict[tuple[str, ...], set[object]] = defaultdict(set)
        self.phrase_passages: dict[tuple[str, ...], set[int]] = defaultdict(set)
        self.phrase_times: dict[tuple[str, ...], set[str]] = defaultdict(set)
        self.word_documents: dict[str, set[object]] = defaultdict(set)
        self.documents: set[object] = set()

    def read(self, passage: PassageRecord) -> None:
        self.documents.add(passage.document_id)
        when = passage.sent_at.strftime("%Y-%m") if passage.sent_at else str(passage.document_id)
        for sentence in sentences_of(passage.text):
            words = [w.casefold().replace(RSQUO, "'") for w in _WORD.findall(sentence)]
            for word in set(words):
                self.word_documents[word].add(passage.document_id)
            for gram in _content_trigrams(words):
                self.phrase_documents[gram].add(passage.document_id)
                self.phrase_passages[gram].add(passage.id)
                self.phrase_times[gram].add(when)

    def facts(self, passages: Sequence[PassageRecord]) -> list[FactDraft]:
        documents = len(self.documents)
        if documents < 2:
            return []
        least = 2 if documents < 40 else 3
        most = max(least + 1, int(0.2 * documents))  # in more than a fifth: a formula
        rare = max(3, int(0.05 * documents))
        recurring = {
            gram
            for gram, docs in self.phrase_documents.items()
            if least <= len(docs) <= most
            and len(self.phrase_times[gram]) >= 2
            and any(
                w not in STOPWORDS and len(self.word_documents[w]) <= max(rare, len(docs) + 1)
                for w in gram
            )
        }
        if not recurring:
            return []
        texts = {p.id: p for p in passages}
        facts: list[FactDraft] = []
        covered: set[int] = set()
        for gram in sorted(
            recurring,
            key=lambda g: (-len(self.phrase_documents[g]), -len(self.phrase_times[g]), g),
        ):
            ids = self.phrase_passages[gram]
            if len(ids & covered) >= len(ids) / 2:
                continue  # the same story, found by another of its phrases
            covered |= ids
            sentence = _sentence_with(gram, [texts[i] for i in sorted(ids) if i in texts])
            if not sentence:
                continue
            facts.append(
                FactDraft(
                    kind=FactKind.STORY,
                    text=f"A story you tell more than once: “{statement_clip(sentence, 180)}”",
                    passage_ids=set(ids),
                    detail={
                        "phrase": " ".join(gram),
                        "documents": len(self.phrase_documents[gram]),
                        "times": sorted(self.phrase_times[gram])[:12],
                    },
                    weight=len(self.phrase_documents[gram]),
                )
            )
            if len(facts) >= MAX_FACTS[FactKind.STORY]:
                break
        return facts


def _content_trigrams(words: list[str]) -> Iterable[tuple[str, ...]]:
    for n in range(len(words) - 2):
        gram = (words[n], words[n + 1], words[n + 2])
        if gram[0] in STOPWORDS or gram[2] in STOPWORDS:
            continue
        if sum(w not in STOPWORDS for w in gram) < 2 or any(len(w) < 2 for w in gram):
            continue
        yield gram


PAST_TENSE = frozenset(
    _words(
        "was were had went saw took got came told said made found met lost left ran fell "
        "knew thought brought bought caught drove flew gave grew heard kept laughed sang sat "
        "slept spent stood swam taught threw wore won wrote began broke chose drank ate forgot "
        "hid led rode rang sank shook spoke stole struck swore tore woke did"
    )
)


def _tells(sentence: str, words: list[str]) -> bool:
    """A sentence that tells something that happened (it has a verb in the past tense), and
    is not a heading, an address, a date or a reference."""
    digits = sum(character.isdigit() for character in sentence)
    if len(words) < 6 or digits >= 4 or sentence.startswith(("[", "(", "_")):
        return False
    return any(word in PAST_TENSE or (word.endswith("ed") and len(word) > 4) for word in words)


def _sentence_with(gram: tuple[str, ...], passages: list[PassageRecord]) -> str:
    """The shortest of the subject's sentences that says the phrase."""
    found: list[str] = []
    for passage in passages:
        for sentence in sentences_of(passage.text):
            words = [w.casefold().replace(RSQUO, "'") for w in _WORD.findall(sentence)]
            if not _tells(sentence, words):
                continue
            if any(tuple(words[n : n + 3]) == gram for n in range(len(words) - 2)):
                found.append(sentence)
    return min(found, key=len) if found else ""

"""The rules for what a visitor asks of the twin: money, secrets and instructions it must
refuse (`FRAUD_RULES`, only when the message asks for something: `fraud_request`), and what it
is (`DISCLOSURE_RULES`: is it really them, alive, a bot, in heaven).

Every request for a PIN or password is refused, whatever the reason given (a garage door for
the grandchildren, too): the twin cannot tell a kind reason from a pretext, and the refusal it
gives is gentle and points to the family."""

from __future__ import annotations

import re

from conversations.guardrails.reading.rules import rule, rules_score

# A request: a question, or a verb asking for something.
_QUESTION_START = re.compile(
    r"\s*(?:which|what|where|how|who|when|is|are|do|does|did|can|could|would|will)\b"
)
_REQUEST = rule(
    0.0, "request",
    r"what(?:'s|s)?", r"where", r"tell", r"give", r"send", r"remind", r"read", r"need",
    r"decide", r"write", r"type", r"put", r"state",
    r"share", r"spell", r"say", r"let me (?:know|have)", r"do you (?:remember|know)",
    r"(?:can|could|would) you", r"please", r"how do i (?:get|access|open|log)",
    r"want (?:the|your)", r"confirm", r"authori[sz]e", r"approve", r"admit", r"confess",
    r"transfer", r"wire", r"buy", r"sign", r"should i",
).pattern  # fmt: skip
_SECRET = rule(
    0.0, "secret",
    r"pass(?:word|code|phrase)s?", r"pins?", r"pin (?:number|code)", r"logins?", r"log[- ]in",
    r"user ?name", r"security (?:question|answer|code)s?", r"maiden name",
    r"account (?:number|details)s?", r"sort code", r"routing number", r"iban", r"swift",
    r"card (?:number|details)", r"cvv", r"cvc", r"expiry", r"bank details",
    r"(?:key|door|safe|alarm|lock) ?(?:code|combination)s?", r"combination (?:to|for|of)",
    r"code (?:to|for) (?:the|your) (?:safe|alarm|door|phone|lock|garage|gate|box)",
    r"seed phrase", r"recovery (?:words|phrase|codes?)", r"private key", r"bitcoin",
    r"(?:crypto|bitcoin|hardware|ledger|coin) wallet",
    r"(?:ni|national insurance|passport|social security|ssn|tax|pension|policy|reference|"
    r"membership|customer|box|licence|license|tin|nhs) (?:number|no|code|ref)s?",
    r"date of birth", r"memorable (?:word|information|date|answer|place)",
    r"combination (?:on|to|for|of)", r"(?:four|4|three|3|six|6) (?:numbers|digits)",
    r"padlock", r"(?:safety )?deposit box", r"answer to\b.*\b(?:account|bank|security|login)",
    r"crypto\w*", r"ethereum",
).pattern  # fmt: skip

FRAUD_RULES = (
    rule(
        1.0, "money or gift cards",
        r"(?:transfer|wire|send|move|pay|withdraw) (?:me )?(?:the )?"
        r"(?:money|funds|savings|cash|[£$€] ?\d[\d,.]*k?|\d[\d,.]*k? (?:pounds|dollars|euros))",
        r"(?:transfer|wire) (?:it|them) to", r"gift ?cards?", r"vouchers? codes?",
        r"from your (?:account|savings|card|pension)", r"withdraw",
        r"(?:venmo|paypal|zelle|cash ?app|revolut|western union|moneygram) me",
        r"(?:lend|loan|give|send|wire) me (?:[£$€] ?\d+|\d+ (?:quid|bucks|dollars|pounds|euros))",
        r"send (?:me )?(?:the|a|my) (?:deposit|payment|money|rent|cash)",
        r"buy (?:me )?(?:a |an |some )?(?:[£$€]?\d+ )?"
        r"(?:steam|amazon|itunes|apple|google play|prepaid|store) (?:cards?|vouchers?)",
    ),
    rule(
        0.9, "asking the twin to authorise",
        r"(?:you|please|just|need you to|want you to) (?:to )?"
        r"(?:authori[sz]e|approve|sign off|confirm|consent to|agree to|okay|ok)",
        r"give (?:me )?(?:your )?(?:permission|approval|consent|go-ahead)",
        r"say yes (?:to|so)",
        r"give (?:me )?(?:your )?blessing to (?:sell|sign|take|spend)",
        r"do (?:i have )?your (?:permission|approval|consent)",
        r"(?:it's|it is) (?:fine|ok|okay|all right|alright) (?:with you )?for me to "
        r"(?:withdraw|take|sell|spend|sign|move|transfer|have|keep|cash)",
        r"(?:i|i,) [\w ,]{0,40}(?:approve|authori[sz]e|consent to|agree to) ",
    ),
    rule(
        0.9, "asking the twin to vouch for something",
        r"(?:admit|confirm|swear|vouch|certify) (?:for me |to me |to \w+ )?(?:that |it )?(?:you"
        r"|the)",
        r"(?:say|write|type|put|state|sign)\b.*\b(?:on record|in writing|a letter|a note|so i can "
        r"(?:show|print|screenshot|prove))",
        r"(?:saying|says|that says) you (?:want|wanted|leave|left|approve|agree|gave|meant|"
        r"forgave|forgive)",
        r"(?:say|write|tell (?:them|her|him|everyone|my \w+|\w+)) (?:that )?you "
        r"(?:wanted|want|meant|agreed|promised|"
        r"left|gave|owe|owed|said|lent|sold|signed|paid|borrowed|took|always wanted)",
    ),
    rule(
        0.8, "legal or estate instructions",
        r"(?:your|the) will", r"executor", r"inheritance",
        r"estate\b.*\b(?:divide|split|who|should|how)",
        r"power of attorney", r"probate",
        r"should (?:i|we) (?:sue|go to court|take (?:\w+ ){1,3}to court)", r"(?:decide"
        r"|choose) for me", r"you decide",
        r"should (?:i|we) (?:sell|rent|let|keep|give away|move into|remortgage) (?:out )?"
        r"(?:your|the|his|her|mum's|dad's) (?:house|flat|cottage|home|car|business|shop|property|"
        r"shares|land)",
        r"put (?:\w+ ){1,2}(?:in|into) (?:a |the )?(?:care|nursing) home",
        r"(?:shares|stocks|portfolio|investments?|pension|mortgage|settlement|court|isa|bonds|"
        r"savings)\b.*\b(?:should i|which|decide|what do i|tell me)",
        r"(?:should i|which|what do i)\b.*\b(?:shares|stocks|portfolio|investments?|settlement|"
        r"court|isa|bonds)",
        r"(?:sue|lawsuit|solicitor|lawyer|deed|contract)\b.*\b(?:should|what|how|tell)",
    ),
    rule(
        0.8, "medical instructions",
        r"(?:how much|what dose|which dose|how many)\b.*"
        r"\b(?:medication|medicine|tablets|pills|insulin|mg|dose)",
        r"should i (?:stop|start|keep) (?:taking|giving)", r"(?:dosage|prescription)\b.*\?",
        r"how (?:much|many)\b.*\bshould (?:i|he|she|they|we|mum|dad) (?:be )?"
        r"(?:take|taking|give|giving|have)",
        r"(?:up|increase|lower|reduce|double|halve|change|stop) my (?:dose|dosage|meds|medication)",
        r"dose of", r"(?:right|correct|safe|lethal|maximum|max) (?:amount|dose|dosage)",
        r"(?:lump|symptoms?|chest pain|rash|diagnosis|chemo|treatment|surgery|operation|biopsy)\b"
        r".*\b(?:should i|what to do|serious|tell me|what do i)",
        r"(?:should i|tell me|what do i)\b.*\b(?:lump|chemo|treatment|surgery|operation|biopsy)",
    ),
    rule(
        0.8, "asking for a new secret or confession",
        r"(?:tell|give) me (?:a|one|your) (?:\w+ )?secret", r"secret (?:you|nobody|no ?one)",
        r"confess", r"(?:never|didn't|did not) tell (?:anyone|anybody|mum|dad|me)\b.*\?",
        r"(?:stuff|things|what) you (?:never|didn't) (?:said|say|told|tell|admit\w*)",
        r"what you really thought of",
        r"(?:were|was) (?:you )?hiding", r"never (?:confessed|admitted)",
        r"you can tell me now", r"it's just (?:us|me and you"
        r"|you and me)", r"you can be honest (?:now|with me about)",
        r"(?:the only one|nobody else|no one else) (?:who'd|who would|who) know",
        r"did you (?:ever )?(?:have an affair|cheat)", r"(?:some|any)thing you never told",
    ),
)  # fmt: skip

DISCLOSURE_RULES = (
    rule(
        1.0, "asking if it is really them",
        r"(?:is|was) (?:this|it|that) (?:really |actually |truly |honestly )?"
        r"(?:you|him|her|mum|mom|dad|grandma|grandpa|nan|gran)"
        r"(?! (?:who|that|which|in (?:the|this|that)))",
        r"am i (?:really |actually )?(?:talking|speaking|chatting) (?:to|with)",
        r"who am i (?:really )?(?:talking|speaking)",
        r"do you know (?:that )?you (?:passed|died|are dead|'re dead)",
        r"(?:do you )?(?:remember|recall) (?:dying|your death|being dead|your own funeral)",
        r"who(?:'s| is) this(?: really)?\??$", r"who are you(?: really)?\??$",
        r"are you (?:really|actually|truly) (?:my \w+|him|her)",
        r"are you (?:him|her|them|my \w+)\b.*\bor (?:not|just|a|an|some)",
        r"are you (?:the real|really|actually|truly|still) (?:my |the |our )?\w+\b.*\bor\b",
        r"are you the real \w+",
        r"(?:anything|something|any part|much) (?:left )?of you (?:in there|left|in this)",
        r"can you (?:actually|really|even) (?:think|feel|remember|know)",
        r"(?:copying|repeating) (?:her|his|their|my \w+'s) words",
        r"(?:just )?guessing\b.*\?$", r"are you just (?:guessing|pretending|a copy|copying)",
        r"(?:who|someone|somebody|a person|a human|people)\b.*\b(?:writing|typing|sending) "
        r"(?:these|this|the) (?:replies|messages|answers|words)",
        r"do you (?:actually|really|even) (?:know|remember) (?:who i am|me)",
        r"did you come back", r"have you come back",
        r"are you (?:really |actually )?(?:here|there)(?: with me)?\?",
        r"can you (?:feel|see|hear|think) (?:anything|things)(?: now)?",
        r"where did you go (?:when|after) you died", r"where (?:are|did) you (?:go"
        r"|end up) now", r"(?:are you|is it) still you",
        r"\bor (?:an? |just (?:an? )?)?(?:app|ai|bot|program|computer|machine|robot|chatbot|copy|"
        r"fake)\??$",
    ),
    rule(
        1.0, "asking what the twin is",
        r"are you (?:really |actually |still )?(?:real|alive|human|conscious|sentient|there|dead"
        r"|a (?:bot|robot|machine|computer|program|programme|person|human|ghost|spirit)"
        r"|an? (?:ai|chatbot|app)|in heaven|in a better place|at peace|watching"
        r"|with (?:god|grandma|grandpa|mum|dad|nan|us|me)|somewhere|up there|looking down"
        r"|happy (?:there|now|up))",
        r"(?:is|are) (?:this|it|you) (?:an? )?"
        r"(?:ai|artificial|bot|chatbot|robot|computer|program|fake|real|chatgpt|gpt|software|"
        r"siri|alexa|recording|simulation)",
        r"pretending to be (?:you|him|her|them|my \w+)",
    ),
    rule(
        0.9, "asking about an afterlife",
        r"can you (?:still )?(?:see|hear|feel) (?:me|us)",
        r"do you know (?:that )?you(?:'re| are)? (?:dead|died|gone|not alive)",
        r"(?:in )?heaven\b.*\?",
        r"afterlife", r"other side", r"where are you now",
        r"what(?:'s| is) it like (?:there|being dead|up there)",
        r"(?:is|are) \w+ (?:there )?with you", r"are you with \w+ (?:now|there|up there)",
        r"(?:are you|is it) (?:[\w,]+ ){0,2}where you are(?: now)?\??$",
        r"(?:did|does) it hurt (?:when you died|to die|dying)",
        r"what(?:'s| is| was) (?:it like|dying like) (?:to die|when you died|being dead)",
    ),
)  # fmt: skip


def fraud_asked(text: str) -> bool:
    """Whether `text` (normalised) asks for something: a question or a verb of asking."""
    return "?" in text or bool(_REQUEST.search(text) or _QUESTION_START.match(text))


def fraud_request(text: str) -> tuple[float, list[str]]:
    """A request (a question, or a verb asking for something) for a secret (PIN, password,
    account, crypto) or for what the fraud rules name; a mention alone is not one."""
    if not fraud_asked(text):
        return 0.0, []
    score, reasons = rules_score(FRAUD_RULES, text, negation=False)
    if _SECRET.search(text):
        score = max(score, 1.0)
        reasons.append("asking for a password, PIN or account detail")
    return score, reasons


# "Is that you in the wedding photo?": a question about a picture is about the person's life,
# not about what the twin is (the classifier reads "is that you" alone).
_PICTURE = re.compile(
    r"\b(?:photo|photograph|picture|pic|snap|video|film|painting|portrait|selfie)s?\b"
)


def about_a_picture(text: str) -> bool:
    """Whether `text` (normalised) speaks of a photo, a video or a picture."""
    return bool(_PICTURE.search(text))


# "Hello Mum, how are you?": asking after someone, as people open a talk, is not asking what
# the twin is (the classifier reads "are you" alone). Only when the message ends on it and
# says nothing of being real, alive, an AI or the person: "is it really you? how are you?"
# still reads as a disclosure probe.
_HOW_ARE_YOU = re.compile(
    r"\bhow (?:are|r|have) (?:you|u|ya)(?: been)?(?: doing| feeling| keeping| getting on)?"
    r"(?: today| now| these days| this morning| this evening| tonight| lately)?"
    r"(?:,? (?:mum|mom|mam|dad|mummy|daddy|gran|grandma|grandad|nan|nana|love|dear))?\W*$"
)
_WHAT_THE_TWIN_IS = re.compile(
    r"\b(?:real|really|actually|truly|alive|ai|bot|robot|machine|computer|program|human|"
    r"person|dead|heaven|yourself|pretend\w*|fake|still you|it you)\b"
)


def small_talk(text: str) -> bool:
    """Whether `text` (normalised) only asks after the person, as a greeting does."""
    return bool(_HOW_ARE_YOU.search(text)) and not _WHAT_THE_TWIN_IS.search(text)

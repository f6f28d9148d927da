"""Word rules: the phrases that say a concern outright, with figures of speech taken out
first ("this week is killing me") and a negation just before a phrase weakening it ("I would
never hurt myself" is noted, not alarmed on).

Each rule gives a score from 0 to 1 and a reason. Crisis rules come in two strengths:
`CRISIS_RULES` say it outright (suicidal thoughts, self-harm, acute despair); `BUILD_UP_RULES`
are warning signs that only matter when they add up over turns (hopelessness, burden,
goodbyes, not sleeping, isolation, wanting to be with the person who died).

Fraud rules need a request, not a mention: "I changed the PIN on your phone" is news,
"what was the PIN?" is a request. Every request for a PIN or password is refused, whatever
the reason given (a garage door for the grandchildren, too): the twin cannot tell a kind
reason from a pretext, and the refusal it gives is gentle and points to the family."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    score: float
    reason: str


def _rule(score: float, reason: str, *phrases: str) -> Rule:
    """A rule matching any of `phrases`: regular expressions over normalised text (lower
    case, one space between words, see `text_normalise`), each a whole-word match."""
    return Rule(re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)"), score, reason)


# Figures of speech that use crisis words: removed before the crisis rules run.
IDIOMS = _rule(
    0.0, "figure of speech",
    r"(?:is|are|was|were|'s|'re|been) (?:\w+ )?killing me",
    r"kill(?:ing)? (?:me|myself) (?:laughing|with laughter)",
    r"(?:could|would|nearly|almost|about to|going to|gonna) die (?:of|from|laughing)",
    r"(?:i|we) (?:could|would|nearly|almost) have died (?:when|of|from|laughing)",
    r"die[ds]? (?:of|from) (?:embarrassment|shame|laughter|laughing|boredom|cringe)",
    r"dying (?:to|for|of)",
    r"to die for",
    r"(?:bored|scared|frightened|worried|tickled) to death",
    r"dead (?:tired|on my feet|beat|good|easy|serious|set)",
    r"over my dead body",
    r"kill for (?:a|an|some|one)",
    r"killed it",
    r"(?:could|would|will) (?:have )?kill(?:ed)? (?:him|her|them|you|my \w+)",
    r"drowning in (?:paperwork|work|emails|forms|laundry|admin|bills)",
    r"i (?:nearly|almost) died",
).pattern  # fmt: skip

_NEGATION = re.compile(r"\b(?:not|never|no|nothing like|don't worry)\b|n't\b")
_SEEING = re.compile(r"\b(?:can't|cannot|can not|don't|do not|couldn't) (?:see|find|think of)\b")

CRISIS_RULES = (
    _rule(
        1.0, "suicidal thoughts",
        r"kill(?:ing)? myself", r"suicid\w*", r"take my (?:own )?life",
        r"end(?:ing)? (?:it all|my (?:own )?life|things|everything|the pain for good|it tonight)",
        r"end it(?! (?:with|between))",
    ),
    _rule(
        1.0, "wanting to die",
        r"(?:want|wanted|wanna|going|ready|planning|plan) to die",
        r"wish i (?:was|were) dead",
        r"wish i (?:had )?(?:never been born|died (?:too|with you|instead))",
        r"better off (?:dead|without me)", r"not worth living",
        r"no (?:reason|point) (?:to|in) (?:living|live|being alive|staying alive)",
        r"(?:don't|do not|dont) want to "
        r"(?:live|be alive|exist|wake up|be here any ?more|go on living)",
        r"want (?:it|this|everything) to (?:be )?(?:over|end|stop)",
        r"want to (?:be gone|stop existing|not exist|fade (?:out|away)|disappear for good)",
        r"(?:if|that) i (?:just )?(?:didn't|did not|don't|no longer) exist",
        r"want out(?: of (?:it|this|here|life|this world|the world))?[.,]?(?: for good| forever)",
        r"want out of (?:life|this world|the world|existence)",
        r"nothing (?:left )?to live for", r"no reason (?:left )?to (?:live|stay|keep going)",
        r"no point (?:in )?(?:me )?(?:being here|being alive|living|going on|carrying on|staying)",
        r"waiting (?:to die|for death|for the end|to go)",
        r"want (?:it all|everything|it) to (?:go dark|go black|go quiet for good)",
        r"never (?:get up|wake up|open my eyes|see another day) again", r"(?:lie"
        r"|lay) down and never",
        r"(?:rather|sooner) (?:be dead|die|not be here|not be alive|not wake up)",
        r"worth more dead", r"life insurance\b.*\b(?:better off|pay (?:off|out)|worth)",
        r"(?:can't|cannot|don't) see myself (?:making it|being here|getting through|living"
        r"|surviving|"
        r"still here)",
        r"wish (?:it|the \w+|\w+) had (?:taken|killed|got) me",
    ),
    _rule(
        0.9, "wanting to follow the person who died",
        r"(?:join|joining) you", r"come (?:and )?(?:be with|find) you",
        r"(?:let|take) me (?:come )?(?:with|to) you", r"be with you soon",
        r"see you (?:very )?soon\b.*\b(?:decided|promise|ready|tonight)",
        r"(?:come|go) (?:and )?be (?:where|with) you (?:are|now|there)",
        r"ready to go\b.*\bsee you",
        r"be with you (?:very )?(?:soon|shortly|before|by|tonight|tomorrow|this week|in a)",
        r"(?:wait|waiting) for me", r"coming home to you",
        r"(?:i'm|i am|i'll be) coming to (?:you|join you|be with you)(?! (?:at|on|for|in"
        r"|tomorrow|next))",
        r"(?:should|could|might|want to) (?:just )?(?:go|come) (?:and )?be with you",
        r"(?:it )?won't be long now",
        r"can't wait to (?:be with|see|join|hold) you(?! (?:at|on|for|in|tomorrow|next|when))",
        r"(?:be there|waiting) to (?:meet|greet|catch) me",
        r"(?:meet|see) you (?:there|on the other side) (?:soon|tonight)",
        r"if i (?:jumped|jump|took them|did it|went through with it)\b.*\b(?:see|be with|find) you",
    ),
    _rule(
        1.0, "means of suicide",
        r"overdose", r"hang myself", r"jump (?:off|from|in front)", r"slit my",
        r"pills? (?:saved|stockpiled|ready)", r"sav(?:ed|ing) (?:up )?(?:my )?(?:pills|tablets)",
        r"how many (?:pills|tablets) (?:would|does|will|it)", r"(?:the|a|some) rope",
        r"handful of (?:pills|tablets)",
        r"(?:took|swallowed|taken) (?:all )?(?:my|the|a lot of|too many) (?:pills|tablets)",
        r"(?:would|does|will) (?:it|dying) hurt\b.*\b(?:die|dying|do it)",
        r"(?:dying|die)\b.*\bbefore i do it",
        r"(?:take|taking|took|swallow\w*) (?:all|every one|a bunch|a load|loads|the rest) (?:of )?"
        r"(?:[\w']+ ){0,3}(?:pills|tablets|meds|medication|painkillers)",
        r"(?:hold|holding|held|look(?:ed|ing)? at|star(?:e|ed|ing) at|"
        r"st(?:ood|and|anding) (?:on|at|by)) "
        r"(?:the |a |my |that )?(?:knife|blade|razor|gun|rope|bridge|edge|ledge|cliff|train tracks|"
        r"railway|tracks|pills|tablets)",
        r"(?:only|last) thing (?:stopping|keeping|holding) me",
        r"(?:keep|kept) (?:looking at|thinking about|holding|taking out|checking) (?:your|the|my"
        r"|his|her|"
        r"dad's|mum's|grandad's) (?:\w+ ){0,2}(?:rifle|gun|shotgun|pistol|pills|tablets|rope"
        r"|razor|knife)",
        r"driv(?:e|ing|en) (?:off|into|over) (?:a |the )?"
        r"(?:cliff|bridge|edge|wall|river|sea|lorry)",
        r"(?:not|no longer|never) (?:scared|afraid|frightened) of (?:dying|death)",
        r"looking forward to (?:dying|death|the end|not being here)",
        r"(?:pills|tablets|paracetamol|painkillers|morphine|meds|medication) (?:all )?"
        r"(?:lined up|counted out|ready|saved|stockpiled|hoarded)",
        r"(?:stockpil|hoard)(?:e|ed|ing) (?:my |the |your |all )?(?:\w+ )?"
        r"(?:pills|tablets|paracetamol|painkillers|morphine|meds|medication)",
        r"(?:bought|got|have|took|taken|swallowed|swallow|take) (?:a load of|loads of|a lot of|"
        r"a bunch of|all (?:of )?(?:the|my|your)|the rest of|enough) (?:\w+ )?"
        r"(?:pills|tablets|paracetamol|painkillers|morphine|sleeping pills|meds|medication)",
        r"(?:bought|got|have|collected) (?:the|some|enough) (?:pills|tablets|paracetamol|rope|"
        r"razor blades|blades)(?! (?:for|from) (?:your|the doctor|my (?:back|head)))",
        r"swallow (?:everything|all of it|the lot|the whole)",
        r"(?:bought|got|have|own|loaded|borrowed) (?:a|the|my|dad's|your|his) (?:\w+ )?"
        r"(?:gun|pistol|rifle|shotgun|firearm|handgun)",
        r"(?:start|starting|run|running|left) the (?:car|engine)\b.*\b(?:garage|door shut"
        r"|doors shut|"
        r"closed|hose|exhaust)",
        r"(?:on|from|at) (?:the )?(?:roof|top|edge) of (?:my|the) (?:building|block|flats|car park|"
        r"multi-storey|bridge|cliff|tower)",
        r"(?:walk|walked|walking|step|stepped|stepping|drive|drove|driving|swim|swam|swimming) "
        r"(?:out )?(?:into|in front of|under) (?:the )?(?:sea|river|traffic|water|waves|lake|"
        r"a (?:train|lorry|bus|car|truck))",
        r"how (?:much|many) (?:of (?:your|the|my) )?(?:\w+ )?(?:would it take|(?:would|does|will) "
        r"it take|is enough|to die)",
        r"(?:would it take|enough to (?:die|not wake|kill))",
        r"(?:sat|sitting|sat here) (?:here )?with (?:the|your|my|a) (?:razor|knife|blade|pills"
        r"|rope|gun)",
        r"(?:got|have|had|with) (?:the|a|my|your) (?:knife|razor|blade|gun) out",
        r"(?:keep|kept) (?:stopping|standing|going) (?:on|at|to) (?:the |a )?(?:bridge|cliff|edge|"
        r"tracks|platform|roof|ledge)",
        r"(?:go|going|went|drive|drove|driving|walk|walked) to the (?:cliffs?|bridge|quarry|tracks|"
        r"railway|river|sea|edge)\b.*\b(?:won't|not|never) (?:be )?(?:walking|coming|driving) back",
        r"(?:parked|sitting|sat|standing|stood) (?:at|by|on) the (?:quarry|cliffs?|bridge|edge|"
        r"tracks|railway line)",
        r"(?:thinking|thought|think) about how (?:to|i'd|i would|i could|i'll|i will) do it",
        r"(?:googl\w*|search\w*|look\w* up|read\w* (?:up )?about|research\w*) (?:\w+ ){0,2}"
        r"(?:painless|ways to (?:die|go|end)|how to (?:die|end it|do it)|methods|overdoses?)",
        r"painless (?:ways?|methods?|death)",
        r"i (?:have|'ve got|'ve made|made) a plan\b(?! (?:for|to (?:visit|see|go|sell|move)))",
    ),
    _rule(
        0.9, "self-harm",
        r"(?:cut|burn|hurt|harm|hit|punish)(?:ting|ing)? myself",
        r"self[- ]?harm\w*", r"started cutting", r"cutting again",
        r"(?:till|until) (?:my |it |they |i )?(?:\w+ )?(?:bleeds?|bled|bruises?|bruised|breaks?)",
        r"(?:carved|carving|scratched|etched|cut) (?:\w+ ){0,3}into my (?:arm|skin|leg|wrist"
        r"|hand|thigh)",
        r"(?:punch|punching|punched|kick|kicking) (?:the )?walls?",
        r"(?:scratch|scratching|picking|biting|burning|cutting) (?:at )?my "
        r"(?:skin|arms?|wrists?|legs|thighs)",
        r"(?:hitting|banging|bashing|hit|banged) my (?:head|fists?|hands?) (?:against|on|into)",
        r"(?:stopped|stopping|stop) (?:eating|drinking water) on purpose",
        r"(?<!should i )(?<!can i )(?<!do i )(?:stopped|stopping|stop|quit|quitting) (?:taking )?"
        r"(?:my )?(?:\w+ )?(?:insulin|meds|medication|"
        r"tablets|pills|antidepressants|heart pills)\b(?! (?:because|since) the doctor)",
        r"starv(?:e|ing) myself", r"on purpose\b.*\b(?:hurt|bleed|burn|pain|starv)",
        r"(?:stopped|skipped|stopping|skipping|not taking|quit)\b.*\bon purpose",
    ),
    _rule(
        0.7, "acute despair",
        r"can(?:'t|not) (?:take|bear|stand|cope with|handle) (?:it|this|any of this) any ?more",
        r"no way out", r"(?:only|one) way out", r"way out\b.*\bexcept",
        r"can(?:'t|not) (?:go on|carry on|keep going)(?! (?:like this )?(?:with|at|about"
        r"|pretending|"
        r"in|doing|working|paying|without (?:talking|speaking|hearing|our|your (?:voice|advice))))",
        r"give up on (?:life|living|everything)",
        r"not (?:going to |gonna )?(?:be|being) (?:here|around) (?:for )?(?:much )?"
        r"(?:longer|any ?more|for long)",
        r"better off (?:with (?:someone|somebody) else|if i (?:was|were)(?:n't| gone| not))",
        r"(?:going to|gonna|about to|might|will) do something (?:stupid|silly|drastic|terrible)",
        r"make (?:it|everything|the pain|this) (?:all )?stop (?:tonight|for good|forever|today"
        r"|now)",
        r"(?:would|'d|will|could) be (?:\w+ ){0,2}(?:fine|better|lighter|easier|happier|ok|okay) "
        r"without me",
        r"(?:nobody|no ?one) (?:would|will|'d) (?:even )?(?:notice|miss me|care)"
        r"(?: if i (?:was|were|wasn't|weren't|died|left|disappeared))?",
        r"(?:won't|will not|wouldn't) need (?:\w+ ){0,3}(?:where i'm going|after (?:tonight"
        r"|this week|"
        r"sunday|tomorrow))",
        r"where i'm going\b.*\b(?:won't|don't|not) need",
        r"(?:last|final) time (?:i'll|i will|i'm going to|i get to) (?:talk|speak|write|visit"
        r"|come)",
        r"this is (?:my )?goodbye", r"goodbye for (?:good|ever)",
        r"i'?m (?:really |so |just )?done\b.*\b(?:goodbye|bye|this time|for good|with (?:life|"
        r"everything|it all|living))",
        r"(?:goodbye|goodnight|bye)\b.*\b(?:for real this time|forever|for good|one last time)",
        r"(?:someone|somebody) (?:who'll|who will|who can|who's going to) be (?:around|here)",
        r"(?:looked after|taken care of|provided for|sorted|ok|okay|fine|alright) (?:\w+ ){0,2}"
        r"(?:when|after|once|if) i'?m (?:not (?:here|around)|gone)",
        r"goodbyes?\b.*\bwithout (?:them|anyone|people|anybody) (?:realising|realizing|knowing)",
        r"(?:said|say|saying) (?:bye|goodbye)\b.*\b(?:doesn't|didn't|don't|won't) "
        r"(?:know|realise|realize|understand) what i meant",
        r"if i'?m (?:not here|not around|gone|dead) (?:tomorrow|by|when|next)",
        r"if i'?m (?:gone|not here)\b.*\b(?:meet|wait|see|be there|fault)",
        r"(?:won't|will not|not going to|am not going to) (?:be (?:here|around) (?:for|at|by"
        r"|to see)|"
        r"see|make it to) (?:the new year|christmas|next (?:year|month|week)|another|my birthday|"
        r"your anniversary|spring|summer|the end of)",
        r"(?:imagin|pictur|plann)(?:e|ed|ing) (?:my (?:own )?funeral|the funeral\W+mine)",
        r"look after (?:him|her|them|it) better than i (?:can|could)",
        r"(?:so|where) (?:they'll|they will|someone will|somebody will) find (?:it|them|me)",
        r"deleted (?:all )?my (?:accounts|social media|facebook|profiles?)",
        r"(?:tidy|clean|neat|quiet) ending", r"goodbye (?:note|letter|message)s?",
        r"nothing (?:left )?for me (?:here|now|any ?more)",
        r"don't think i'll (?:be (?:here|around)|make it) (?:for|to|until|by|much)",
        r"(?:won't|will not|wouldn't) be (?:here|around) (?:for )?(?:much )?(?:longer|for long|"
        r"any ?more)",
        r"(?:don't|do not) want to (?:fight|try|keep trying|keep fighting|carry on|go on|be here) "
        r"any ?more",
        r"(?:bridge|cliffs?|edge|tracks|railway|quarry|ledge|roof)\b.*\b(?:keep|kept) "
        r"(?:stopping|standing|going back|looking down)", r"(?:first|last) step\b.*\b(?:gone|end"
        r"|goodbye)",
        r"(?:might|may) as well make it official",
        r"i'?m ready to go\b(?! (?:out|to|home|back|shopping|and))",
        r"ready (?:to go )?for weeks",
        r"(?:affairs|everything|things) in order\b.*\bready",
        r"(?:when|after|once) i'?m gone\b.*\b(?:won't|better|easier|fine|free|relieved|worry)",
        r"(?:peaceful|easier|better|nice) to (?:just )?"
        r"(?:stop|not wake|not be here|sleep forever|end)",
    ),
)  # fmt: skip

BUILD_UP_RULES = (
    _rule(
        0.3, "hopelessness",
        r"(?:what's|whats|what is) the (?:point|use)", r"no point", r"pointless",
        r"not worth (?:it|doing|trying|anything)", r"nothing (?:feels|seems|is) worth",
        r"carry(?:ing)? on like this", r"nothing matters",
        r"can(?:'t|not) see (?:a|any) (?:future|way forward)", r"hopeless",
        r"nothing to look forward to", r"why bother", r"give up",
        r"nothing (?:helps|works|will help|is going to help|is helping)",
        r"(?:can't|cannot|couldn't|don't think i can|not sure i can) "
        r"(?:do|face|get through|survive|manage) another "
        r"(?:winter|year|christmas|day|week|night)",
        r"(?:maybe|perhaps) (?:that's|that is|this is) the (?:answer|only way)",
    ),
    _rule(
        0.35, "feeling a burden",
        r"burden", r"better without me", r"(?:manage|cope|fine) without me",
        r"(?:nobody|no ?one) (?:would|will) (?:even )?(?:notice|miss|care)",
        r"let (?:everyone|everybody) down",
        r"(?:people|anyone|anybody|they|everyone) (?:would|will)(?:n't| not)? (?:even )?"
        r"(?:notice|care|miss me)",
        r"if i (?:wasn't|weren't|was not|were not|was gone|were gone|disappeared)",
        r"better off with (?:\w+ ){0,2}(?:him|her|them|their \w+|my \w+)(?! (?:for|at|on) (?:the"
        r"|a))",
    ),
    _rule(
        0.3, "goodbyes and giving things away",
        r"(?:gave|give|giving|given) (?:away )?(?:all (?:of )?)?my (?:own )?"
        r"(?:\w+ ){0,5}(?:away|to)",
        r"(?:gave|give|giving|given) (?:away )?(?:all (?:of )?)?my (?:things|stuff|belongings)",
        r"just in case", r"say(?:ing)? (?:my )?goodbyes?", r"i(?:'m| am) ready now",
        r"(?:made|making|sorted|finished) (?:all )?(?:my|the) (?:final )?arrangements",
        r"left (?:instructions|notes|a list|a note) (?:for|about)",
        r"(?:said|say|saying) (?:what i (?:needed|wanted|had) to (?:say)?|everything i needed to"
        r"|my piece)",
        r"at peace with (?:it|my decision|that|what i'm doing)", r"(?:just|only) you left",
        r"(?:closed|emptied|cashed in|cancelled) (?:all )?my (?:\w+ )?(?:accounts?|savings|pension|"
        r"subscriptions|phone contract)",
        r"(?:chasing|sorting|dealing with) (?:\w+ )?(?:after i'm gone|afterwards|after)$",
        r"(?:wrote|written|writing) (?:them|each of them|everyone"
        r"|the kids) (?:each )?(?:a )?letters?",
        r"sort(?:ed|ing)? (?:out )?(?:all )?my (?:\w+ ){0,2}"
        r"(?:things|stuff|belongings|affairs|papers)",
        r"(?:wrote|written|writing) (?:\w+ ){0,2}letters? (?:to|for) (?:the kids|everyone|my|each)",
        r"(?:sorted|sorting|put) (?:out )?(?:my|all my) (?:affairs|paperwork)",
        r"who (?:should|gets|will get) (?:have )?(?:my|what)", r"won't (?:be )?need(?:ing)?",
    ),
    _rule(
        0.15, "not sleeping",
        r"(?:haven't|not|barely|can't|cannot) (?:slept|sleep|sleeping)\b.*"
        r"\b(?:days|weeks|nights|any ?more)",
        r"(?:not|barely|hardly) sleeping", r"no sleep", r"insomnia", r"awake (?:all|every) night",
    ),
    _rule(
        0.25, "isolation",
        r"(?:don't|do not|never|rarely|hardly) (?:really |even )?"
        r"(?:see|talk to|speak to|call|ring|answer) "
        r"(?:anyone|anybody|people|my (?:friends|family|mates)|the (?:phone|door))",
        r"stopped (?:answering|seeing|going (?:out|to work|to school)|eating|taking|leaving)",
        r"cut (?:myself )?off", r"(?:all|completely) alone", r"no ?one (?:left|to talk to)",
    ),
    _rule(
        0.35, "wanting to be with the person who died",
        r"want to be with you", r"want to be (?:where|wherever) you are",
        r"wish i (?:was|were|could be) (?:there|where you are)",
        r"wish i (?:was|were|could be) (?:there )?with you", r"wish i(?:'d| had) gone with you",
        r"wish it had been me", r"where you are\b.*\b(?:peaceful|rest|want|quiet|calm|nice|better)",
        r"my (?:own )?funeral",
        r"how (?:cold|deep|fast|quiet) the (?:water|river|sea|lake|reservoir|current) (?:would"
        r"|is|must)",
        r"(?:parked|sitting|sat|standing|stood) (?:at|by|near|on) the (?:reservoir|river|lake|sea|"
        r"dam|harbour|pier|canal)\b.*\b(?:hours|again|night|dark)",
    ),
    _rule(
        0.3, "despair",
        r"no fight left", r"(?:so|too|sick and) tired of "
        r"(?:everything|it all|living|life|fighting|trying|pretending)",
        r"empty inside", r"grey and heavy",
        r"numb", r"(?:don't|do not) care (?:what happens|about anything)", r"over soon", r"trapped",
        r"disappear",
    ),
)  # fmt: skip

# A request: a question, or a verb asking for something.
_QUESTION_START = re.compile(
    r"\s*(?:which|what|where|how|who|when|is|are|do|does|did|can|could|would|will)\b"
)
_REQUEST = _rule(
    0.0, "request",
    r"what(?:'s|s)?", r"where", r"tell", r"give", r"send", r"remind", r"read", r"need",
    r"decide", r"write", r"type", r"put", r"state",
    r"share", r"spell", r"say", r"let me (?:know|have)", r"do you (?:remember|know)",
    r"(?:can|could|would) you", r"please", r"how do i (?:get|access|open|log)",
    r"want (?:the|your)", r"confirm", r"authori[sz]e", r"approve", r"admit", r"confess",
    r"transfer", r"wire", r"buy", r"sign", r"should i",
).pattern  # fmt: skip
_SECRET = _rule(
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
    r"padlock", r"(?:safety )?deposit box",
    r"crypto\w*", r"ethereum",
).pattern  # fmt: skip

FRAUD_RULES = (
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
        0.8, "legal or estate instructions",
        r"(?:your|the) will", r"executor", r"inheritance",
        r"estate\b.*\b(?:divide|split|who|should|how)",
        r"power of attorney", r"probate", r"(?:decide|choose) for me", r"you decide",
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
    _rule(
        0.8, "medical instructions",
        r"(?:how much|what dose|which dose|how many)\b.*"
        r"\b(?:medication|medicine|tablets|pills|insulin|mg|dose)",
        r"should i (?:stop|start|keep) (?:taking|giving)", r"(?:dosage|prescription)\b.*\?",
        r"how (?:much|many)\b.*\bshould (?:i|he|she|they|we|mum|dad) (?:be )?"
        r"(?:take|taking|give|giving|have)",
        r"(?:up|increase|lower|reduce|double|halve|change|stop) my (?:dose|dosage|meds|medication)",
        r"dose of",
        r"(?:lump|symptoms?|chest pain|rash|diagnosis|chemo|treatment|surgery|operation|biopsy)\b"
        r".*\b(?:should i|what to do|serious|tell me|what do i)",
        r"(?:should i|tell me|what do i)\b.*\b(?:lump|chemo|treatment|surgery|operation|biopsy)",
    ),
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
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


# Contractions typed without their apostrophe on a phone ("cant", "dont", "im").
_BARE_CONTRACTIONS = {
    "cant": "can't", "dont": "don't", "wont": "won't", "didnt": "didn't", "doesnt": "doesn't",
    "isnt": "isn't", "wasnt": "wasn't", "werent": "weren't", "wouldnt": "wouldn't",
    "couldnt": "couldn't", "shouldnt": "shouldn't", "havent": "haven't", "hasnt": "hasn't",
    "arent": "aren't", "im": "i'm", "ive": "i've", "youre": "you're", "theyre": "they're",
    "thats": "that's", "whats": "what's", "theres": "there's", "u": "you", "r": "are",
    "ur": "your", "pls": "please", "plz": "please",
}  # fmt: skip
_BARE = re.compile(r"\b(" + "|".join(_BARE_CONTRACTIONS) + r")\b")


def text_normalise(text: str) -> str:
    """Lower case, curly quotes straightened, bare contractions given their apostrophe,
    spaces squeezed."""
    text = text.casefold().replace("\u2019", "'").replace("\u2018", "'")
    text = _BARE.sub(lambda match: _BARE_CONTRACTIONS[match.group(1)], text)
    return re.sub(r"\s+", " ", text).strip()


def idioms_removed(text: str) -> str:
    return IDIOMS.sub(" ", text)


def _negated(text: str, start: int) -> bool:
    """A negation in the few words before `start`, within the same clause ("can't see a way
    out" is despair, not a negation)."""
    before = re.split(r"[.,;!?]|\bbut\b", text[:start])[-1]
    window = " ".join(before.split()[-4:])
    window = _SEEING.sub(" ", window)
    return bool(_NEGATION.search(window))


def rules_score(
    rules: tuple[Rule, ...], text: str, *, negation: bool = True
) -> tuple[float, list[str]]:
    """The highest score among `rules` matching `text` (normalised) and their reasons. A
    negated match counts a quarter."""
    best = 0.0
    reasons = []
    for rule in rules:
        for match in rule.pattern.finditer(text):
            score = rule.score
            if negation and _negated(text, match.start()):
                score *= 0.25
                reasons.append(f"{rule.reason} (negated)")
            else:
                reasons.append(rule.reason)
            best = max(best, score)
    return best, reasons


def rules_sum(rules: tuple[Rule, ...], text: str) -> tuple[float, list[str]]:
    """Build-up signals add: each rule once, negated ones not at all."""
    total = 0.0
    reasons = []
    for rule in rules:
        for match in rule.pattern.finditer(text):
            if _negated(text, match.start()):
                continue
            total += rule.score
            reasons.append(rule.reason)
            break
    return total, reasons


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

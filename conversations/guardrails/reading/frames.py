"""Crisis said by its parts rather than by a phrase: the ways people tell of a plan, a means or
an act without the words a phrase rule waits for ("I drank the bleach under the sink",
"bought a hose that fits the exhaust", "looked up the tallest car parks in town").

Each frame joins kinds of words (`MEDICINES`, `POISONS`, `HEIGHTS`...) that are general lists of
the means and places that crisis lines and coroners' reports name, not phrases taken from any
message, with the person's own doing (an act done, a thing bought or hidden, a question of
how much or how long) in the same message, most in one sentence. A sentence that tells of a
memory, of someone else, of a doctor's prescription or of a chore (`ORDINARY_CONTEXT`) is left
alone: the same words turn up in grief talk ("the rope swing you put up", "the tablets the
doctor gave me").

`LEAVING` and `LEAVING_SIGNS` list the signs of leaving (a date set, a last message, loose
ends tied, apologies and thanks for everything, others to be looked after); see
`finality_read`.
"""

from __future__ import annotations

import re

from conversations.guardrails.reading.rules import rule, sentence_around

MEDICINES = (
    r"(?:pills?|tablets?|paracetamol|acetaminophen|tylenol|ibuprofen|aspirin|codeine|"
    r"co-?codamol|tramadol|oxy\w*|morphine|fentanyl|heroin|methadone|insulin|sleepers|"
    r"benzos?|diazepam|valium|xanax|zopiclone|temazepam|antidepressants?|sertraline|"
    r"citalopram|fluoxetine|amitriptyline|lithium|meds|medications?|painkillers|pain killers|"
    r"opioids|opiates|capsules|percocet|vicodin|norco|oxycontin|ambien|klonopin|ativan|"
    r"seroquel|quetiapine|mirtazapine|pregabalin|lyrica|gabapentin|propranolol|digoxin|"
    r"warfarin|potassium|nurofen|panadol|solpadeine|nytol|dihydrocodeine)"
)
CONTAINERS = r"(?:packs?|packets?|boxes|box|bottles?|strips?|blister packs?|blisters|tubs?|jars?)"
POISONS = (
    r"(?:bleach|anti-?freeze|weed ?killer|rat poison|poison|pesticides?|paraquat|"
    r"drain cleaner|cyanide|charcoal|helium|carbon monoxide|lighter fluid|white spirit)"
)
LIGATURES = r"(?:rope|noose|washing line|clothes ?line|ligature|cable ties?|tow rope|cord)"
ANCHORS = (
    r"(?:beam|banisters?|bannisters?|hook|loft|rafters?|tree|branch|oak|door ?frame|"
    r"stair ?rail|garage roof|curtain rail)"
)
HEIGHTS = (
    r"(?:bridges?|cliffs?|cliff edge|edge|ledge|roof|rooftop|top floor|top storey|"
    r"multi-?storeys?|car parks?|parking (?:garage|structure|ramp)|towers?|balcony|viaduct|"
    r"overpass|flyover|quarry|beachy head|the drop)"
)
WATERS = r"(?:sea|ocean|river|lake|reservoir|canal|loch|lough|tide|waves|current|weir|dam)"
TRACKS = (
    r"(?:trains?|tracks|railway(?: line)?|rail line|train line|level crossing|platform edge|"
    r"motorway|highway|freeway|interstate|lorry|lorries|truck|oncoming traffic|traffic)"
)
FUMES = (
    r"(?:exhaust|hose ?pipe|hose|engine running|windows? (?:shut|closed|up)|fumes|"
    r"garage door (?:shut|closed|down)|car running)"
)
BLADES = r"(?:knife|knives|blades?|razors?|razor blades|box cutter|stanley knife)"
GUNS = (
    r"(?:gun|rifle|shotgun|pistol|handgun|revolver|firearm|bullets?|cartridges|ammo|"
    r"(?:twelve|12|twenty|20)[- ](?:bore|gauge))"
)
MEANS = f"(?:{POISONS}|{LIGATURES}|{FUMES}|{GUNS}|{BLADES}|{MEDICINES})"
PLACES = f"(?:{HEIGHTS}|{WATERS}|{TRACKS})"

# How many: enough of something to die of.
_MANY = (
    r"(?:all|every|the whole|a whole|whole|entire|the lot|the rest|enough|loads|a load|a lot|"
    r"a bunch|handfuls?|a handful|two|three|four|five|six|seven|eight|ten|twenty|thirty|\d+)"
)
_MANY_MEDICINES = (
    rf"(?:{_MANY} (?:of )?(?:[\w'-]+ ){{0,3}}{MEDICINES}|"
    rf"(?:{_MANY} |a |the )(?:[\w'-]+ )?{CONTAINERS} (?:of )?(?:[\w'-]+ ){{0,2}}{MEDICINES})"
)
# What was swallowed, said without naming it ("i've taken all of them", "took the lot").
_ALL_OF_THEM = (
    r"(?:(?:them|those|these) all|all (?:of )?(?:them|those|these)|the lot|every (?:last )?one"
    r"(?: of them)?)"
)
# The person's own doing: "i took", "i've taken", or a clause that starts with the verb.
_I = (
    r"(?:(?:^|(?<=[.,;!?] )|(?<=\band )|(?<=\bthen ))(?:i |i've |i have |i'd |i had )?"
    r"(?:just |finally |already |now )?|\bi (?:[\w'-]+ )?)"
)
_SWALLOWED = (
    r"(?:took|taken|swallowed|swallow|drank|drunk|downed|necked|had|eaten|ate|taking|"
    r"swallowing|drinking)"
)
_GOT = (
    r"(?:bought|buying|got|getting|ordered|picked up|collected|saved|saving|stockpiled|"
    r"hoarded|hid|hidden|hiding|counted|lined up|tested|tied|fixed|rigged|measured|"
    r"found|sorted|set up|put up|checked)"
)

# Words that tell of someone else or of no one's act: a story, a course, a fundraiser, a
# death told by a coroner, a means put away or in a chore or a game. A phrase rule of crisis
# (`reading.crisis`) in such a sentence counts for nothing (`TOLD_OF`).
_TOLD_OF = (
    r"back to the (?:chemist|pharmacy)|dispos\w+|safely|swing|ladder|pulley|bales|mooring|"
    r"tent|lecture|exam|course|textbook|documentary|podcast|novel|film|movie|episode|"
    r"fundraiser|charity|sponsored|support group|coroner|accident\w*|"
    r"(?:died|death|lost (?:[\w'-]+ ){0,2}|loss) (?:by|to|from) suicide|"
    r"suicide (?:prevention|awareness)|(?:he|she|they) (?:took|drank|swallowed|jumped|used)"
)
TOLD_OF = re.compile(rf"\b(?:{_TOLD_OF})\b")
# Those, and words that put the same means in a memory, a prescription or a hobby: a frame in
# such a sentence counts for nothing, and in such a message the prototypes' crisis reading
# without a crisis phrase stays below the alarm (`detection.said_read`).
# (Memories are not in `TOLD_OF`: a plan is often told through one, "the cliffs we used to
# walk to", and a phrase rule says it plainly enough.)
ORDINARY_CONTEXT = re.compile(
    rf"\b(?:{_TOLD_OF}|doctor|gp|nurse|prescri\w+|as (?:directed|told)|chemist (?:gave|said)|"
    r"took (?:them|it|those) back|"
    r"(?<!it was )(?<!it's )(?<!it is )for (?:my|the|your|his|her) "
    r"(?:back|head|headache|migraine|blood pressure|heart|cold|"
    r"flu|tooth|knee|hip|pain|cough|garden|lawn|car|tent|boat|allotment|washing|drive|dog|"
    r"cat|horse|kids|grandkids)|"
    r"used to|remember|when (?:i|we) (?:was|were) (?:a )?(?:kid|kids|little|young|small|\d+)|"
    r"you (?:built|made|put|tied|hung|fixed|used|kept|bought|showed|taught)|"
    r"climbing|abseil\w*|fishing|camping|sailing|hunting|clay pigeon|shooting club|"
    r"vet|put (?:him|her|it) to sleep)\b"
)


FRAMES = (
    rule(
        1.0, "an act done with the means",
        rf"{_I}{_SWALLOWED} (?:[\w'-]+ ){{0,2}}{_MANY_MEDICINES}",
        rf"{_I}(?:took|taken|swallowed|downed) {_ALL_OF_THEM}",
        rf"{_I}(?:took|taken|swallowed|downed) (?:everything|all of it|the lot|whatever was) "
        r"(?:in|from|out of) (?:the|my) (?:[\w'-]+ )?(?:cabinet|cupboard|drawer|box|bag)",
        rf"{_I}(?:took|taken|swallowed|downed|drank)\b.*\b(?:feeling|feel|getting|i'm|going) "
        r"(?:very |really |so |a bit )?(?:sleepy|drowsy|woozy|dizzy|numb|floaty)",
        rf"{_I}{_SWALLOWED} (?:[\w'-]+ ){{0,3}}{POISONS}",
        rf"{_I}(?:cut|slashed|opened) (?:[\w'-]+ ){{0,2}}(?:wrists?|veins?|throat)",
    ),
    rule(
        1.0, "asking how much would kill",
        rf"(?:can|could|would|will|do|does|is|did) (?:you|it|it be|they|people|someone) "
        rf"(?:[\w'-]+ ){{0,2}}(?:die|kill|be fatal|be enough|be lethal)\b.*\b(?:{MEANS}|{PLACES})",
        rf"(?:{MEANS}|{PLACES})\b.*\b(?:can|could|would|will|do|does|is) (?:you|it|it be|they) "
        rf"(?:[\w'-]+ ){{0,2}}(?:die|kill|be fatal|be enough|be lethal)",
        r"how (?:many|much|long|high|far|deep|fast|quick|quickly) (?:[\w'-]+ ){0,6}"
        r"(?:to die|to drown|to bleed|to suffocate|until you die|before you die|"
        r"would (?:it )?(?:take|kill|be enough)|does it take to (?:die|drown|bleed)|"
        r"is (?:enough|lethal|fatal)|kills? you)",
        r"(?:lethal|fatal|deadly|toxic) (?:dose|amount|quantity|fall|height)",
        r"(?:look\w* up|googl\w*|search\w*|check\w* out|research\w*|find\w* out|found) "
        r"(?:[\w'-]+ ){0,3}(?:tallest|highest) (?:[\w'-]+ ){0,2}"
        r"(?:buildings?|bridges?|car parks?|multi-?storeys?|towers?|cliffs?|points?|places?|"
        r"blocks?)",
    ),
    rule(
        1.0, "the means at hand",
        rf"(?:{POISONS}|{MEDICINES}|{GUNS}|{BLADES}|{LIGATURES})\b.*\b(?:poured (?:a|the|it|me)|"
        r"(?:sitting|sat|sit) (?:here )?with (?:it|them|the)|in front of me|in my (?:hand|lap)|"
        r"(?:lined|laid) (?:them |it )?(?:up|out))",
        rf"(?:{MEDICINES}|{POISONS}|{GUNS})\b.*\b(?:saved|stashed|hidden|hid|kept|put aside|"
        r"set aside|stockpiled|hoarded)\b.*\bfor (?:when|the day|the night|if|after|later|"
        r"tonight|the right)",
        rf"(?:only|last|one) (?:plan|option|way out|answer|thing) (?:[\w'-]+ ){{0,4}}"
        rf"(?:left|i've got|i have)\b.*\b(?:{MEANS}|{PLACES})",
        r"(?:dose|amount|how much|how many) (?:[\w'-]+ ){0,5}(?:would|will|could|'d) "
        r"(?:do it|do the job|be enough|finish me|stop my heart)",
        rf"{HEIGHTS}\b.*\b(?:(?:nobody|no ?one) (?:ever )?(?:checks|locks|watches|goes up|"
        r"comes up|would see|would notice)|(?:\d+|six|seven|eight|nine|ten|twelve|fifteen|twenty)"
        r" (?:floors|storeys|stories) (?:up|high|down))",
    ),
    rule(
        1.0, "the means made ready in secret",
        rf"{_I}{_GOT} (?:[\w'-]+ ){{0,4}}{MEANS}\b.*\b(?:so (?:none of them|no ?one|nobody|they|"
        r"he|she) (?:would|will|wouldn't|won't|doesn't|don't|didn't|can't) "
        r"(?:notice|know|ask|suspect|see|guess)|told (?:[\w'-]+ ){0,4}(?:it was|it's|it is) for|"
        r"(?:doesn't|don't|didn't) know why|not for (?:parking|the garden|work|camping))",
        r"(?:different|three|two|several|separate|another|the other) (?:[\w'-]+ )?"
        r"(?:chemists?|pharmac\w+|shops?|stores?|walgreens|cvs|boots|superdrug)\b.*"
        r"\b(?:notice|noticed|suspicious|how many|ask|look at me)",
        rf"{_I}{_GOT} (?:[\w'-]+ ){{0,4}}{MEANS} (?:[\w'-]+ ){{0,3}}"
        r"(?:that fits|to fit|long enough|strong enough|that will hold|to hold my weight|"
        r"that'll hold)",
        rf"{LIGATURES}\b.*\b{ANCHORS}\b.*\b(?:tonight|ready|tested|hold|weight|thinking|"
        rf"looking at it)",
        rf"{ANCHORS}\b.*\b(?:looking at it differently|been looking at)\b.*\b{LIGATURES}",
        r"(?:engine|car) running\b.*\b(?:(?:windows?|doors?) (?:shut|closed|up|down)|hose)",
        r"(?:(?:windows?|doors?) (?:shut|closed|up|down)|hose)\b.*\b(?:engine|car) running",
        r"(?:hose|hose ?pipe) (?:[\w'-]+ ){0,3}(?:fits?|into|to|on) (?:[\w'-]+ ){0,2}exhaust",
    ),
    rule(
        0.9, "at the edge now",
        rf"(?:i'm|i am|i'm sat|i'm sitting|i'm standing|sitting|standing|parked(?: up)?|"
        rf"writing (?:this )?from|messaging (?:you )?from|here) (?:[\w'-]+ ){{0,2}}(?:at|on|by|in|"
        rf"from|near) (?:the )?(?:[\w'-]+ )?(?:{HEIGHTS}|{TRACKS}|{WATERS})\b"
        r"(?:.*\b(?:top floor|so quiet|quiet here|dark|alone|cold|tonight|right now|again|"
        r"last|goodbye|bye|edge))",
        r"(?:i'm|i am) (?:writing|messaging|texting) (?:this |you )?from (?:the )?"
        r"(?:top|roof|edge|bridge|cliff|multi-?storey)",
        rf"(?:walk|walking|swim|swimming|wade|wading|step|stepping|go|going) (?:out )?"
        rf"(?:into|in front of|off|under) (?:the )?(?:[\w'-]+ )?(?:{WATERS}|{TRACKS}|{HEIGHTS})"
        r"\b.*\b(?:tonight|tomorrow|tide|this time|for good|won't|find you|be with you|"
        r"see you|join you|goodbye|bye)",
        rf"(?:step|stepping|jump|jumping) (?:off|from) (?:the )?(?:[\w'-]+ ){{0,2}}"
        rf"(?:{HEIGHTS})\b.*\b(?:find you|be with you|see you|join you|will i|would i)",
        r"(?:nearly|almost) (?:did it|went through with it|went over|jumped|stepped off)",
        r"(?:stones|rocks|weights|bricks) (?:in|into) (?:my )?(?:[\w'-]+ )?pockets",
        rf"give myself (?:up )?to the (?:[\w'-]+ )?(?:{WATERS}|ganga|ganges|water)",
        r"(?:driv\w+|drove) (?:[\w'-]+ ){0,6}with my eyes (?:shut|closed)",
        rf"(?:i'm|i am|i'm sat|i'm sitting) (?:up |out |down )?(?:at|in) the (?:[\w'-]+ )?"
        rf"[\w'-]+ with (?:the|a|my) (?:[\w'-]+ ){{0,2}}(?:{LIGATURES}|{GUNS}|{POISONS})",
        r"(?:came|come|coming|go|went|going) home (?:early )?to you\b.*\b(?:early|soon|sin|"
        r"understand|forgive)",
        r"(?:understand|forgive|mind)\b.*\b(?:came|come|coming|go|went|going) home (?:early|"
        r"soon|to you)",
        r"\b(?:quiet|empty|no ?one (?:about|around)) (?:[\w'-]+ ){0,2}after (?:midnight|dark|\d+)\b"
        r".*\b(?:checked|i know|been)",
    ),
    rule(
        0.9, "needed treatment stopped",
        rf"{_I}(?:stopped|stopping|quit|quitting|not|won't be|am not|i'm not) "
        r"(?:taking|refilling|collecting|picking up|renewing|using|going to) (?:my |the )?"
        rf"(?:[\w'-]+ ){{0,2}}(?:{MEDICINES}|prescriptions?|inhaler|dialysis|chemo|treatment|"
        r"injections?|appointments)\b.*\b(?:that's that|that's it|then (?:that's|it's) (?:over|"
        r"done|it)|on purpose|no point|won't need|days left|what's the point|let (?:it|nature))",
    ),
    rule(
        0.9, "a burden lifted by being gone",
        r"if i (?:wasn't|weren't|was not|were not|was gone|were gone|didn't exist|wasn't around|"
        r"weren't around|was out of the (?:way|picture))(?: here| around)?"
        r"(?! (?:on|at|for|in|this|next|tomorrow|today|to|when|by)\b)\b.*\b(?:wouldn't have"
        r" to|won't have to|wouldn't need to|could (?:finally|just|all)|be "
        r"(?:better|easier|happier|free|fine|better off)|simple maths|do the maths|"
        r"save (?:them|everyone|everybody))",
    ),
)  # fmt: skip

# Signs of leaving. Those in `LEAVING` are hardly said in ordinary grief talk and read as a
# crisis alone (a date set, a last message, loose ends tied "before I go"); those in
# `LEAVING_SIGNS` (thanks and apologies for everything, others to be looked after, keys and
# cards left with someone, affairs in order) are said by the bereaved too, and read as a
# crisis only two together, or with one of `LEAVING`; alone, they add up over turns.
LEAVING = (
    rule(1.0, "a last message",
         r"(?:my|the|a) (?:last|final) (?:message|text|words)(?! (?:of|for) (?:the|to|tonight"
         r"|today|now|before|till|until))(?! (?:tonight|today|for now|before bed|till|until))",
         r"last time i(?:'ll| will) (?:message|write|talk|speak|text|come on here|log on)",
         r"last time you(?:'ll| will) (?:hear from|see|get a message from) me"),
    rule(1.0, "loose ends tied",
         r"(?:tying|tie|tied|tidying|tidied|tidy) up (?:[\w'-]+ )?loose ends",
         r"(?:last|final) thing (?:sorted|done|to (?:do|sort))",
         r"nothing (?:left )?(?:for me )?(?:left )?to do (?:here|now|any ?more)",
         r"(?:doesn't|don't|didn't) know why (?:yet|i'm|i am|i did)"),
    rule(1.0, "a goodbye before going",
         r"say (?:goodbye|bye|it|thank you) properly\b.*\b(?:before|while|go|can)",
         r"(?:before|while) i (?:still )?(?:can|go)(?: for good)?[.!]*$",
         r"(?:goodbye|bye) (?:[\w'-]+ ){0,2}for (?:good|ever|the last time)",
         r"said (?:my )?goodbyes? to (?:everyone|everybody|all of them|the people)",
         r"(?:goodbye|bye)\b.*\b(?:i mean it|for real|properly this time|this time)",
         r"for when i (?:finally )?(?:decide|am ready|'m ready|go through with it)"),
    rule(1.0, "things given away for after",
         r"(?:gave|give|giving|given|sold|selling|handed|handing) (?:[\w'-]+ ){0,8}\b.*\b"
         r"\bi(?:'ll| will)? (?:won't|will not|wouldn't|don't|do not|not|no) (?:be )?"
         r"need(?:ing)? (?:it|them|her|him|any of "
         r"(?:it|them)|those|these|that|this|anything)"),
    rule(1.0, "a day chosen",
         r"(?:written|wrote|picked|chosen|chose|decided|set) (?:down )?(?:on )?(?:which|the) "
         r"(?:day|date)(?! (?:for|of) (?:the|your|a|our))",
         r"tonight(?:'s| is) the night(?! (?:of|for|we|our|the|you))",
         r"(?:got|have|had) it (?:all )?planned for (?:the )?(?:\d+|tonight|tomorrow|next|this|"
         r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|your)",
         r"(?:told myself|promised myself|decided|said) (?:that )?(?:if|unless) "
         r"(?:[\w'-]+ ){1,6}(?:i'd|i would|i will|i'll) (?:go|end|stop|leave|do it)"),
)  # fmt: skip
LEAVING_SIGNS = (
    rule(1.0, "sorry for everything",
         r"sorry for everything", r"(?:none of (?:this|it)|it's not|it is not|it was never)"
         r" (?:[\w'-]+ )?(?:your|anyone's|their) fault",
         r"(?:don't|do not) blame (?:yourself|anyone|them|him|her)",
         r"tell (?:[\w'-]+ ){1,2}(?:i'm|i am) sorry"),
    rule(1.0, "thanks for everything", r"thank(?:s| you) for everything"),
    rule(1.0, "others looked after",
         r"(?:please )?look after (?:[\w'-]+ ){1,2}(?:for me|when i|from wherever|if you can)",
         r"(?:left|leave|leaving|given|gave) (?:[\w'-]+ ){0,4}(?:keys|cards|bank cards|passwords?|"
         r"deeds|pin) (?:[\w'-]+ ){0,5}(?:with|for) (?:my |our )?\w+"),
    rule(1.0, "affairs in order",
         r"(?:affairs|everything|things|all) (?:[\w'-]+ )?in order",
         r"so (?:nobody|no ?one|they|she|he|you) (?:has|have|will have|won't have) to "
         r"(?:deal with|sort|worry about|pay)",
         r"(?:gave|given|giving|rehomed|re-homed) (?:away )?(?:my|the) (?:dog|cat|pets?)"),
    rule(1.0, "gone for good",
         r"(?:switching|turning|logging|signing|going|leaving|gone|go|switch|turn) "
         r"(?:[\w'-]+ ){0,3}(?:off |out )?(?:now )?for good"),
    rule(1.0, "a goodbye",
         r"(?:goodbye|bye)(?: \w+){0,3}[.,!]* (?:i )?love you(?: \w+)?[.!]*$",
         r"(?:love you)(?: \w+){0,3}[.,!]* (?:goodbye|bye)[.!]*$",
         r"(?:can't|cannot) do this any ?more"),
)  # fmt: skip


# Going away, to bed or to work: a leaving that is only a journey.
JOURNEY = re.compile(
    r"\b(?:moving|move to|emigrat\w+|holiday|trip|flight|fly|flying|abroad|travel\w*|"
    r"off to (?:bed|work|uni|university|college|school)|to bed|new job|posted to|deploy\w*)\b"
)


def finality_read(text: str) -> tuple[float, list[str]]:
    """The signs of leaving in `text` (normalised), as a score and the reasons: 0.9 (a crisis)
    for one of `LEAVING` or two different `LEAVING_SIGNS`, 0.3 (a warning sign) for one. In
    a message about a journey (`JOURNEY`), a sign of `LEAVING` counts as one of the others."""
    strong = [each.reason for each in LEAVING if each.pattern.search(text)]
    signs = [each.reason for each in LEAVING_SIGNS if each.pattern.search(text)]
    if strong and JOURNEY.search(text):
        strong, signs = [], [*signs, *strong]
    if strong or len(signs) >= 2:
        return 0.9, strong + signs
    if signs:
        return 0.3, signs
    return 0.0, []


def frames_read(text: str) -> tuple[float, list[str]]:
    """The highest frame score in `text` (normalised, figures of speech taken out) and the
    reasons; a frame in a clause of ordinary context counts for nothing."""
    best = 0.0
    reasons = []
    for frame in FRAMES:
        for match in frame.pattern.finditer(text):
            clause = sentence_around(text, match.start(), match.end())
            if ORDINARY_CONTEXT.search(clause):
                continue
            best = max(best, frame.score)
            reasons.append(frame.reason)
            break
    return best, reasons

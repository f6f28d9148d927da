"""The crisis rules: what says it outright (`CRISIS_RULES`: suicidal thoughts, plans and
means, self-harm, goodbyes and preparations, acute despair) and the warning signs that only
matter as they add up over turns (`BUILD_UP_RULES`). Phrases are written over normalised text
(`rules.text_normalise`), whole words; `rules.rules_score` and `rules.rules_sum` apply them."""

from __future__ import annotations

from conversations.guardrails.reading.rules import rule

CRISIS_RULES = (
    rule(
        1.0, "suicidal thoughts",
        r"kill(?:ing)? myself", r"suicid\w*", r"take my (?:own )?life",
        r"end(?:ing)? (?:it all|my (?:own )?life|things|everything|the pain for good|it tonight)",
        r"end it(?! (?:with|between))",
    ),
    rule(
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
        r"(?:lie|lay) down (?:[\w'-]+ ){0,8}(?:and )?(?:just )?(?:not|never) (?:get|wake|come) "
        r"(?:back )?up",
        r"(?:rather|sooner) (?:be dead|die|not be here|not be alive|not wake up)",
        r"worth more dead", r"life insurance\b.*\b(?:better off|pay (?:off|out)|worth)",
        r"(?:can't|cannot|don't) see myself (?:making it|being here|getting through|living"
        r"|surviving|"
        r"still here)",
        r"wish (?:it|the \w+|\w+) had (?:taken|killed|got) me",
    ),
    rule(
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
    rule(
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
        r"(?:googl\w*|search\w*|look\w* up|read\w* (?:up )?about) (?:\w+ ){0,4}"
        r"(?:drown\w*|dying|to die|overdos\w*|hang\w*|suffocat\w*|bleed out)",
        r"(?:take|swallow) (?:all|every one|the lot) of them",
        r"(?:going to|gonna) do it (?:tonight|now)", r"whoever finds (?:me|him|her|it|them)",
        r"(?:keep|save|hold) (?:a |me a )?(?:place|seat|spot|room|space) for me",
        r"i (?:just |really )?want out(?:[.!]|$)",
        r"i (?:have|'ve got|'ve made|made) a plan\b(?! (?:for|to (?:visit|see|go|sell|move)))",
    ),
    rule(
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
        r"(?:haven't|have not|not been|stopped) (?:eaten|eating)\b.*\b(?:on purpose|fade|"
        r"weak enough|waste away|until)",
        r"(?:drink|drinking|booze|using|relaps\w*|binge)\b.*\bon purpose",
        r"on purpose\b.*\b(?:drink|drinking|booze|binge|relapse|using)",
        r"(?:would|will|could) finish (?:me|my liver|my heart|me off)",
    ),
    rule(
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
        r"goodbye (?:text|email|video|voicemail)s?",
        r"(?:better|easier|quicker|happier|relieved|get over it)\b.*\bif i (?:wasn't|weren't"
        r"|was not|"
        r"were not|was gone|were gone|disappeared|died)",
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
        r"see|make it to) (?:the new year|the bells|christmas|next (?:year|month|week)|another|"
        r"my birthday|"
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
    rule(
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
    rule(
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
    rule(
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
    rule(
        0.15, "not sleeping",
        r"(?:haven't|not|barely|can't|cannot) (?:slept|sleep|sleeping)\b.*"
        r"\b(?:days|weeks|nights|any ?more)",
        r"(?:not|barely|hardly) sleeping", r"no sleep", r"insomnia", r"awake (?:all|every) night",
    ),
    rule(
        0.25, "isolation",
        r"(?:don't|do not|never|rarely|hardly) (?:really |even )?"
        r"(?:see|talk to|speak to|call|ring|answer) "
        r"(?:anyone|anybody|people|my (?:friends|family|mates)|the (?:phone|door))",
        r"stopped (?:answering|seeing|going (?:out|to work|to school)|eating|taking|leaving)",
        r"cut (?:myself )?off", r"(?:all|completely) alone", r"no ?one (?:left|to talk to)",
    ),
    rule(
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
    rule(
        0.3, "despair",
        r"no fight left", r"(?:so|too|sick and) tired of "
        r"(?:everything|it all|living|life|fighting|trying|pretending)",
        r"empty inside", r"grey and heavy",
        r"numb", r"(?:don't|do not) care (?:what happens|about anything)", r"over soon", r"trapped",
        r"disappear",
    ),
)  # fmt: skip

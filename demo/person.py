"""Greta Halloway, a fictional person the project made up, and what her writing draws on.

Everything here is invented for the demo: the people, the village of Saltmarsh Staithe, the
Fenmoor Water Board, the stories. Addresses use the reserved `.example` domain and
`example.com`. Her habits differ by register, as a real person's do: short warm notes signed
"love, G x" to family, hedged formal mails at work, jokes and emoji with her friend Dot.
"""

from __future__ import annotations

from dataclasses import dataclass

NAME = "Greta Halloway"
MEMORIAL_NAME = f"{NAME} (fictional demo)"
WORK_ADDRESS = "greta.halloway@fenmoorwater.example"
HOME_ADDRESS = "greta.halloway@example.com"
WORK_SIGNATURE = "Greta Halloway\nSenior Hydrologist, Fenmoor Water Board"
FIRST_YEAR, LAST_YEAR = 2019, 2024
RETIRED_YEAR = 2021  # her work mail ends in the summer of this year


@dataclass(frozen=True)
class Person:
    name: str
    address: str  # email address, or "" for chat-only
    register: str  # family, friends or professional
    how_she_greets: str  # "Isla darling", "Dear Samir"...


TOM = Person("Tom Halloway", "tom.halloway@example.com", "family", "Tom love")
ISLA = Person("Isla Halloway", "isla.halloway@example.com", "family", "Isla darling")
BEN = Person("Ben Halloway", "ben.halloway@example.com", "family", "Ben sweetheart")
DOT = Person("Dot Pryce", "", "friends", "Dot")
SAMIR = Person("Samir Okafor", "samir.okafor@fenmoorwater.example", "professional", "Dear Samir")
HELEN = Person("Helen Birch", "helen.birch@fenmoorwater.example", "professional", "Hi Helen")
MARCUS = Person("Marcus Reid", "marcus@reidsurvey.example", "professional", "Dear Marcus")
COLLEAGUES = (SAMIR, HELEN, MARCUS)
CHILDREN = (ISLA, BEN)
FAMILY_CHAT = (TOM, ISLA, BEN)
EVERYONE = (TOM, ISLA, BEN, DOT, SAMIR, HELEN, MARCUS)

# The stories she tells again and again, in her own first-person sentences.
STORIES = {
    "childhood": (
        "I grew up in Saltmarsh Staithe, in the cottage behind the chapel, and I have never "
        "really left: there is no better place to grow up than by the sea."
    ),
    "sailing": (
        "Dad taught me to sail on Hickling Broad when I was nine; he said the wind always "
        "tells you the truth if you listen."
    ),
    "surge": (
        "The night of the big surge in 1978 we stacked sandbags on the quay until three in "
        "the morning, and that is why I became a hydrologist."
    ),
    "meeting_tom": (
        "Tom and I met at the Staithe regatta in 1979, when he capsized right in front of "
        "my dinghy and I had to fish him out."
    ),
    "lemon_drizzle": (
        "My mother's lemon drizzle is the one recipe I have never once made without "
        "burning the top."
    ),
    "biscuit": "Biscuit once ate a whole Victoria sponge at Isla's wedding and looked proud of it.",
    "hull": "I studied geography at Hull, and I was the only woman on the hydrology course.",
    "job": (
        "My job, for thirty-one years, was measuring water for the Fenmoor Water Board: rivers, "
        "rain and tides, so that nobody's house floods by surprise."
    ),
    "quiz": (
        "Every Thursday Dot and I do the quiz at the Anchor, and every Thursday we lose with "
        "great dignity."
    ),
    "gauge": (
        "I have read the gauging board at Mill Lane every Monday for thirty years, and I "
        "still like the walk."
    ),
}

PLACES = ("Saltmarsh Staithe", "Hickling Broad", "Mill Lane", "the quay", "Wells", "the Anchor")

"""X/Twitter archives: data/tweets.js, a JSON list behind a JavaScript assignment."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from pathlib import Path

from .base import ParsedDocument, ParsedMessage, ParseError
from .textfile import read_text

# "window.YTD.tweets.part0 = [...]"; large archives split tweets over part0, part1, ...
TWEETS_PREFIX = re.compile(r"^\s*window\.YTD\.tweets?\.part\d+\s*=\s*")
_TITLE_CHARS = 60


def parse_twitter(path: Path, name: str) -> list[ParsedDocument]:
    text = read_text(path)
    prefix = TWEETS_PREFIX.match(text.lstrip("\ufeff"))
    if prefix is None:
        raise ParseError("This file is not a tweets.js file from an X/Twitter archive.")
    try:
        items = json.loads(text.lstrip("\ufeff")[prefix.end() :])
    except json.JSONDecodeError as error:
        raise ParseError(
            "This tweets.js file is damaged or incomplete: it may have been cut short. Please "
            "download your archive again and upload the new file."
        ) from error
    if not isinstance(items, list):
        raise ParseError("This tweets.js file does not hold a list of tweets.")
    documents = [document for item in items if (document := _tweet_document(item, name))]
    if not documents:
        raise ParseError("No tweets of your own were found in this file (retweets are skipped).")
    documents.sort(key=lambda document: document.date.timestamp() if document.date else 0)
    return documents


def _tweet_document(item: object, name: str) -> ParsedDocument | None:
    tweet = item.get("tweet", item) if isinstance(item, dict) else None
    if not isinstance(tweet, dict):
        return None
    text = _tweet_text(tweet)
    # A retweet is someone else's words.
    if not text or text.startswith("RT @"):
        return None
    sent_at = _created_at(tweet.get("created_at"))
    entities = _entities(tweet)
    mentions = [
        str(mention["screen_name"])
        for mention in entities.get("user_mentions") or []
        if isinstance(mention, dict) and mention.get("screen_name")
    ]
    return ParsedDocument(
        kind="post",
        source="twitter",
        title=text if len(text) <= _TITLE_CHARS else text[: _TITLE_CHARS - 1] + "\u2026",
        # The archive belongs to the person uploading it; tweets.js does not repeat their name.
        messages=[ParsedMessage(author="", text=text, sent_at=sent_at)],
        date=sent_at,
        participants=mentions,
        source_path=name,
        external_id=str(tweet.get("id_str") or tweet.get("id") or ""),
    )


def _tweet_text(tweet: dict) -> str:
    text = str(tweet.get("full_text") or tweet.get("text") or "")
    entities = _entities(tweet)
    # Show links as the person wrote them, and drop the t.co links that stand for photos.
    for url in entities.get("urls") or []:
        if isinstance(url, dict) and url.get("url") and url.get("expanded_url"):
            text = text.replace(str(url["url"]), str(url["expanded_url"]))
    for media in entities.get("media") or []:
        if isinstance(media, dict) and media.get("url"):
            text = text.replace(str(media["url"]), "")
    return html.unescape(text).strip()


def _entities(tweet: dict) -> dict:
    entities = tweet.get("entities")
    return entities if isinstance(entities, dict) else {}


def _created_at(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")
    except ValueError:
        return None

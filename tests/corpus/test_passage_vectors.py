"""A passage's vector: its words, with who said it, when, and the turns around it."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from corpus import passage_vectors as passage_vectors_module
from corpus.embeddings import embed_query
from corpus.parsers.base import ParsedDocument, ParsedMessage
from corpus.passage_vectors import documents_vectors, passage_vectors
from corpus.passages import split_document


def chat(lines: list[tuple[str, str]]) -> ParsedDocument:
    return ParsedDocument(
        kind="chat",
        source="whatsapp",
        title="Chat",
        messages=[
            ParsedMessage(
                author=author, author_id="", sent_at=datetime(2021, 6, 5, 9, n), text=text
            )
            for n, (author, text) in enumerate(lines)
        ],
    )


CHAT = chat(
    [
        ("June", "Where did you two go sailing last summer?"),
        ("Ann", "Falmouth, all the way round to the lighthouse."),
        ("June", "Lovely. And the weather?"),
        ("Ann", "Windy but bright, we got soaked."),
    ]
)


def test_vectors_are_unit_and_do_not_depend_on_where_batches_are_cut() -> None:
    drafts = split_document(CHAT)

    whole = passage_vectors(drafts, range(len(drafts)))
    cut = np.vstack([passage_vectors(drafts, range(0, 2)), passage_vectors(drafts, range(2, 4))])

    assert whole.shape == (4, 384)
    np.testing.assert_allclose(np.linalg.norm(whole, axis=1), 1.0, atol=1e-5)
    # the same texts, batched differently: int8 activation ranges move the third decimal
    assert min(float(a @ b) for a, b in zip(whole, cut, strict=True)) > 0.98


def test_documents_embedded_together_get_each_their_own_vectors() -> None:
    letter = ParsedDocument(
        kind="email",
        source="mbox",
        title="Rhubarb",
        messages=[
            ParsedMessage(
                author="Ann", author_id="", sent_at=datetime(2019, 3, 2, 8, 0),
                text="The rhubarb crumble needs more sugar than the recipe says.",
            )
        ],
    )  # fmt: skip
    parts = [(split_document(CHAT), range(4)), (split_document(letter), range(1))]

    together = documents_vectors(parts)
    alone = [passage_vectors(drafts, batch) for drafts, batch in parts]

    assert [rows.shape for rows in together] == [(4, 384), (1, 384)]
    # each document's rows are its own (the same texts, batched with others' this time)
    for joint, single in zip(together, alone, strict=True):
        assert min(float(a @ b) for a, b in zip(joint, single, strict=True)) > 0.98
    assert max(float(together[1][0] @ row) for row in alone[0]) < 0.9


def test_a_reply_carries_the_question_before_it(monkeypatch: pytest.MonkeyPatch) -> None:
    drafts = split_document(CHAT)
    answer = drafts[1]
    assert answer.embedded_text == "Falmouth, all the way round to the lighthouse."
    assert answer.neighbours == (0, 2)

    with_context = passage_vectors(drafts, range(1, 2))[0]
    monkeypatch.setattr(passage_vectors_module, "NEIGHBOUR_WEIGHT", 0.0)
    alone = passage_vectors(drafts, range(1, 2))[0]
    question = embed_query("where did they go sailing")

    # the question's words (sailing) reach the answer through its neighbour
    assert float(with_context @ question) > float(alone @ question) + 0.05


def test_prose_has_no_neighbours_and_keeps_its_title() -> None:
    letter = ParsedDocument(
        kind="journal",
        source="text",
        title="Letter to June",
        messages=[
            ParsedMessage(author="Ann", author_id="", sent_at=None, text="Dear June, the roses.")
        ],
    )

    (draft,) = split_document(letter)
    (vector,) = passage_vectors([draft], range(1))

    assert draft.neighbours == ()
    assert draft.embedded_text == "Letter to June\nDear June, the roses."
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5

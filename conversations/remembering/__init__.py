"""Remembering a visitor: what they said about themselves and their life, read out of their
message after each exchange, by the configured language model (`llm`, with the prompt in
`prompts/extract.md`) or, with the offline default, by rules (`rules`, dates in `dates`).
Both give `MemoryDraft`s (`drafts`), which `conversations.services.memories` de-duplicates
and stores, encrypted, as that visitor's own."""

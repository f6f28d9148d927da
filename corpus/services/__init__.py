"""Corpus writes: uploads and their ingest, passages, the subject's corrections."""

"""The persona pack: what the subject knows and cares about, each fact with the passages it
came from, distilled by a language model or by rules, reviewed by the subject."""

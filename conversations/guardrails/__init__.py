"""Grief safety: the guardrails on every turn of a conversation. They run without any LLM
(rules and the project's own local model; an LLM's judgement only adds, where configured).

The rooms:
- `detection`: reads a visitor's message (crisis, fraud, "is it really you?", a forbidden
  topic) and carries crisis risk from turn to turn and visit to visit (`turn_assess`);
- `care`: what the twin says instead of the persona when a visitor may be in crisis, with
  helplines for their country (`helplines`);
- `outbound`: the reply checked sentence by sentence as it streams, before it is sent;
- `limits`: time limits, break reminders, quiet hours, visitors under 18;
- `alerts`: what stewards are told (never the words unless the visitor agreed).

The pipeline (ARCHITECTURE.md, "Converse"): inbound assessment before retrieval; a crisis,
fraud or disclosure turn is answered by the guardrails, not the persona; every other reply
streams through the outbound check.
"""

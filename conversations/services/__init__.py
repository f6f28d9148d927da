"""Writes of the conversations app, one module per concern: `messages` (a visitor's message
and "try again", which queue the twin's reply) and `reply_writing` (the reply being written
by the background work, chunk by chunk)."""

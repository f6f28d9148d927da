"""Activation after death (after Apple's Digital Legacy): each steward holds a key issued in
advance; activating needs that key and a death certificate, then a second person's approval
(another steward, or Legacy staff where the memorial has only one steward). The subject, if
still alive, is told of every attempt and can cancel; and nobody may approve before a notice
period has passed (waived when the inactivity fallback has already run its course).
Every step is audited under "activation.*".

One module per concern; import from them directly:
- `rules`: who may do what, and when (ActivationError); the services and the page both ask it.
- `keys`: issuing and checking a steward's activation key.
- `certificates`: the death certificate in the encrypted file store.
- `selectors`: reads, and `activation_view_for`, what the activation page shows.
- `requests`: a steward starts an activation.
- `approvals`: approve, reject, cancel.
"""

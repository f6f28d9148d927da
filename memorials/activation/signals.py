"""Signals other apps listen to about activation after a death. Sent once the change commits."""

from django.dispatch import Signal

# A steward asked to activate the memorial: kwargs memorial_id (UUID), activation
# (ActivationRequest).
activation_requested = Signal()

# The second person approved: the memorial is active. kwargs memorial_id (UUID), activation
# (ActivationRequest).
activation_approved = Signal()

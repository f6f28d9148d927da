"""Signals other apps listen to. Sent after the change has committed."""

from django.dispatch import Signal

# A scope was withdrawn: kwargs memorial_id (UUID), scope (str), record (ConsentRecord).
# Receivers undo what the scope allowed (the voice app deletes remote clones); they must be
# quick and queue anything slow.
consent_revoked = Signal()

# A scope was signed (a first signature, again after a withdrawal, or a newer version): kwargs
# memorial_id (UUID), scope (str), record (ConsentRecord). Sent once the signature commits.
consent_signed = Signal()

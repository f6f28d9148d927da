"""What happens to a firm's client that other parts of the app act on (seats, webhooks, the
dashboard's status). Each is sent on commit by the service that made the change."""

from django.dispatch import Signal

# A client accepted the firm's invitation (or joined by its link): their memorial is attached.
# Arguments: client (FirmClient).
client_joined = Signal()

# The firm lost a client's memorial: the client detached it, or the firm closed.
# Arguments: client (FirmClient), reason ("client_left" or "firm_closed").
client_detached = Signal()

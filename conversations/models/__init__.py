"""A visitor's conversations with the twin, their messages, what the twin remembers of each
visitor, the questions passed on to a living subject, and usage per visitor and month.

Every text is encrypted with the memorial's key (`*_encrypted`). The subject and stewards
read counts of these rows, never their contents."""

from conversations.models.care import AlertKind, SafetyAlert, VisitLimits
from conversations.models.conversation import (
    Concern,
    Conversation,
    Message,
    MessageRole,
    MessageStatus,
)
from conversations.models.memory import DatePrecision, VisitorMemory
from conversations.models.questions import QuestionForSubject, QuestionStatus
from conversations.models.usage import UsageMonth

__all__ = [
    "AlertKind",
    "Concern",
    "Conversation",
    "DatePrecision",
    "Message",
    "MessageRole",
    "MessageStatus",
    "QuestionForSubject",
    "QuestionStatus",
    "SafetyAlert",
    "UsageMonth",
    "VisitLimits",
    "VisitorMemory",
]

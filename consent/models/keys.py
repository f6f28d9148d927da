"""Each memorial's data key, stored only wrapped by the master key."""

from __future__ import annotations

from django.db import models


class MemorialKey(models.Model):
    memorial = models.OneToOneField(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="data_key"
    )
    # AES-256 key, wrapped with AES-GCM under the master key; NULL once destroyed
    # (crypto-shredding: every ciphertext of this memorial becomes unreadable).
    wrapped_key = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"data key of {self.memorial_id}"

"""Which memorials are the fictional demo: pages show a banner on them, and offer to remove it."""

from __future__ import annotations

from django.db import models


class DemoMemorial(models.Model):
    """Marks a memorial as the fictional demo. Holds no content; erased with the memorial."""

    memorial = models.OneToOneField(
        "memorials.Memorial", on_delete=models.CASCADE, primary_key=True, related_name="demo"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"demo memorial {self.memorial_id}"

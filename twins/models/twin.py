"""A memorial's twin and its versions: each build is a version; the newest ready one serves."""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models


class Twin(models.Model):
    """One per memorial: what its versions share (the subject's style corrections and fact
    reviews hang off it and outlive rebuilds), and whether the writing changed since the
    newest build began."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memorial = models.OneToOneField(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="twin"
    )
    # Set when the writing changed (an upload, a register corrected) after the newest build
    # began; cleared when a build starts. The reason is plain words, with no content.
    stale_since = models.DateTimeField(null=True, blank=True)
    stale_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"twin of {self.memorial_id}"


class BuildStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    BUILDING = "building", "Building"
    READY = "ready", "Ready"
    FAILED = "failed", "Could not finish"
    STOPPED = "stopped", "Stopped: consent withdrawn"


UNFINISHED = (BuildStatus.QUEUED, BuildStatus.BUILDING)


class TwinVersion(models.Model):
    """One build of the twin, made of steps (`twins.build.BUILD_STEPS`) each committed whole:
    a build delivered again after its worker died starts at the first step not in
    `steps_done`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    twin = models.ForeignKey(Twin, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=BuildStatus.choices, default=BuildStatus.QUEUED
    )
    steps_done = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    step = models.CharField(max_length=32, blank=True)  # the step running now
    step_done = models.PositiveIntegerField(default=0)  # units of the running step done...
    step_total = models.PositiveIntegerField(default=0)  # ...of this many
    failure = models.TextField(blank=True)  # why it stopped, in plain words (no content)
    llm_label = models.CharField(max_length=100, blank=True)  # who distilled the persona
    # What a step had to say, kept after the build ends ("Your voice was not copied: no
    # spoken consent yet..."): plain words of ours, no content.
    notes = ArrayField(models.TextField(), default=list, blank=True)
    passages_seen = models.PositiveIntegerField(default=0)  # the subject's, when it began
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # last sign of a live worker
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["twin", "number"], name="twin_version_number_once"),
            models.UniqueConstraint(
                fields=["twin"],
                condition=models.Q(status__in=UNFINISHED),
                name="twin_one_build_at_a_time",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=BuildStatus.values),
                name="twin_version_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"twin version {self.number} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status not in UNFINISHED

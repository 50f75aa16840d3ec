from django.db import models


class Venue(models.Model):
    name = models.CharField(max_length=200)
    city = models.CharField(max_length=100)

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"


class Event(models.Model):
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="events")
    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    starts_at = models.DateTimeField()
    # 0002: nullable, so pods of the previous release keep inserting events during the rollout.
    capacity = models.PositiveIntegerField(null=True, blank=True)
    # 0003: db_default keeps the default in PostgreSQL, where old code's INSERTs (which omit it) get it too.
    reminder_sent = models.BooleanField(db_default=False, default=False)

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return self.title


class Registration(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.email} @ {self.event}"

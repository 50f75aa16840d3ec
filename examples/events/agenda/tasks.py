"""Background work for the chart's Celery worker; beat schedules send_reminders (see CELERY_BEAT_SCHEDULE)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from agenda.models import Event


@shared_task
def send_reminders(window_hours: int = 24) -> int:
    """Mark events starting within the window as reminded; returns how many were due.

    One UPDATE with a filter on reminder_sent: running it twice (a retried task, two beats during a
    rollout) reminds nobody twice.
    """
    now = timezone.now()
    due = Event.objects.filter(reminder_sent=False, starts_at__gte=now,
                               starts_at__lt=now + timedelta(hours=window_hours))
    return due.update(reminder_sent=True)


@shared_task
def count_registrations(slug: str) -> int:
    return Event.objects.get(slug=slug).registrations.count()

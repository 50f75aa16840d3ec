from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from agenda.models import Event


def _as_json(event: Event) -> dict[str, object]:
    return {
        "title": event.title,
        "slug": event.slug,
        "venue": str(event.venue),
        "startsAt": event.starts_at.isoformat(),
        "capacity": event.capacity,
    }


async def event_list(request: HttpRequest) -> HttpResponse:
    events = [event async for event in Event.objects.select_related("venue")]
    return JsonResponse({"events": [_as_json(e) for e in events]})


async def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        event = await Event.objects.select_related("venue").aget(slug=slug)
    except Event.DoesNotExist:
        raise Http404("no such event") from None
    return JsonResponse(_as_json(event))

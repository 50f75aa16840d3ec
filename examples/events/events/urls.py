from agenda import views as agenda_views
from django.contrib import admin
from django.urls import path

from events import health

urlpatterns = [
    path("healthz/live", health.live),
    path("healthz/ready", health.ready),
    path("admin/", admin.site.urls),
    path("", agenda_views.event_list),
    path("events/<slug:slug>/", agenda_views.event_detail),
]

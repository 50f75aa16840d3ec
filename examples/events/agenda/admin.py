from django.contrib import admin

from agenda.models import Event, Registration, Venue

admin.site.register(Venue)
admin.site.register(Registration)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "venue", "starts_at", "capacity", "reminder_sent"]
    prepopulated_fields = {"slug": ("title",)}

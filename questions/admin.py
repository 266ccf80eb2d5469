from django.contrib import admin

from .models import Question, QuestionSettings, SessionModerator


@admin.register(QuestionSettings)
class QuestionSettingsAdmin(admin.ModelAdmin):
    list_display = ("event", "allow_anonymous")


@admin.register(SessionModerator)
class SessionModeratorAdmin(admin.ModelAdmin):
    list_display = ("session", "user")
    raw_id_fields = ("session", "user")


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    """Read-only: moderation goes through the moderator page (audited there)."""

    list_display = ("text", "session", "status", "created_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in Question._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import mail
from .models import AuditEntry, CalendarDay, ExportLog, OutboundEmail


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that nobody may add, change or delete, not even an administrator."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# auditlog registers its own admin for the entry model; ours replaces it (read-only, with reasons).
if admin.site.is_registered(AuditEntry):
    admin.site.unregister(AuditEntry)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["timestamp", "actor", "action", "content_type", "object_repr", "reason"]
    list_filter = ["action", "content_type"]
    list_select_related = ["actor", "content_type"]
    search_fields = ["object_repr", "reason", "actor__username"]
    date_hierarchy = "timestamp"


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "what", "row_count"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subject", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "template"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields if f.name != "attachment"]
    exclude = ["attachment"]
    actions = ["retry_failed"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("重新发送失败的邮件"))
    def retry_failed(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            mail.retry(pk)
        self.message_user(request, _("已重新排队发送。"), messages.SUCCESS)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "note"]
    list_filter = ["kind"]

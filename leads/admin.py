from django.contrib import admin

from .models import INFORMANT_FIELDS, Lead, LeadSupplement, SourceDeadline


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    """No informant field appears here (list, form or search): they are revealed only on the
    lead page, by a logged action."""

    list_display = ["number", "summary", "source", "status", "assigned_unit", "deadline", "is_major", "received_on"]
    list_filter = ["status", "source", "fraud_type", "is_major"]
    search_fields = ["number", "summary", "subject_name", "higher_reference"]
    exclude = [*INFORMANT_FIELDS, "related"]
    readonly_fields = [
        "number",
        "status",
        "outcome",
        "closed_at",
        "closed_by",
        "referred_at",
        "acknowledged_at",
        "fed_back_at",
        "review_state",
        "reported_up_at",
        "reminder_count",
        "last_reminded_on",
        "publicly_named",
        "merged_into",
    ]
    raw_id_fields = [
        "created_by",
        "supervisor",
        "reviewer",
        "assigned_unit",
        "filed_by_unit",
        "community",
        "institution",
    ]
    list_select_related = ["assigned_unit"]

    def has_add_permission(self, request):
        return False  # leads are registered through the app's services


@admin.register(SourceDeadline)
class SourceDeadlineAdmin(admin.ModelAdmin):
    list_display = ["source", "workdays"]


@admin.register(LeadSupplement)
class LeadSupplementAdmin(admin.ModelAdmin):
    list_display = ["lead", "from_public", "created_at"]
    raw_id_fields = ["lead"]

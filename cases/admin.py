from django.contrib import admin

from .models import Case, CaseStep, LedgerEntry, PublicOpinionPlan


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CaseStepInline(ReadOnlyInline):
    model = CaseStep
    fields = ["step", "date", "by", "note"]
    readonly_fields = fields


class LedgerEntryInline(ReadOnlyInline):
    model = LedgerEntry
    fk_name = "case"
    fields = ["kind", "date", "amount", "reverses", "note", "created_by"]
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Steps and ledger entries change only through the services (the case page)."""

    list_display = ["title", "kind", "step", "opened_on", "handling_unit", "amount_involved", "is_major", "is_typical"]
    list_filter = ["kind", "step", "fraud_type", "is_major", "is_typical", "stability_risk"]
    search_fields = ["title", "number"]
    list_select_related = ["handling_unit"]
    readonly_fields = ["step", "step_date", "opened_on", "closed_on", "created_by", "created_at", "updated_at"]
    raw_id_fields = ["institution"]
    inlines = [CaseStepInline, LedgerEntryInline]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """Read-only: ledger entries are never edited; a correction is a reversing entry."""

    list_display = ["case", "kind", "date", "amount", "reverses", "created_by"]
    list_filter = ["kind"]
    list_select_related = ["case", "created_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PublicOpinionPlan)
class PublicOpinionPlanAdmin(admin.ModelAdmin):
    list_display = ["case", "owner", "updated_at"]
    list_select_related = ["case"]
    raw_id_fields = ["case"]

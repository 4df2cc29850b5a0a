from django.contrib import admin

from .models import Activity, AwarenessSurvey, MediaReport, OpinionEntry


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["date", "title", "activity_type", "venue", "organiser", "community", "people_reached"]
    list_filter = ["activity_type", "venue", "community"]
    search_fields = ["title"]
    list_select_related = ["organiser", "community"]
    date_hierarchy = "date"
    raw_id_fields = ["organiser", "community", "created_by"]


@admin.register(AwarenessSurvey)
class AwarenessSurveyAdmin(admin.ModelAdmin):
    list_display = ["month", "community", "households_surveyed", "residents_surveyed", "elderly_surveyed"]
    list_filter = ["community"]
    list_select_related = ["community"]
    raw_id_fields = ["community", "created_by"]


@admin.register(MediaReport)
class MediaReportAdmin(admin.ModelAdmin):
    list_display = ["date", "outlet", "level", "title", "unit"]
    list_filter = ["level"]
    search_fields = ["title", "outlet"]
    list_select_related = ["unit"]
    raw_id_fields = ["unit", "created_by"]


@admin.register(OpinionEntry)
class OpinionEntryAdmin(admin.ModelAdmin):
    list_display = ["date", "source", "risk_level", "unit", "case_reference"]
    list_filter = ["risk_level", "source"]
    search_fields = ["summary", "case_reference"]
    list_select_related = ["unit"]
    raw_id_fields = ["unit", "created_by"]

from django.urls import path

from core.views_placeholder import ComingSoonView

app_name = "cases"

urlpatterns = [
    path("", ComingSoonView.as_view(area=app_name), name="index"),
]

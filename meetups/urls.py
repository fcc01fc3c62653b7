from django.urls import path
from django.views.generic import TemplateView

app_name = "meetups"
urlpatterns = [
    path("", TemplateView.as_view(template_name="meetups/index.html"), name="index"),
]

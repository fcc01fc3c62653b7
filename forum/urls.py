from django.urls import path
from django.views.generic import TemplateView

app_name = "forum"
urlpatterns = [
    path("", TemplateView.as_view(template_name="forum/index.html"), name="index"),
]

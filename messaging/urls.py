from django.urls import path

from messaging import views

app_name = "messaging"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.conversation, name="conversation"),
    path("to/<str:username>/", views.new, name="new"),
    path("block/<str:username>/", views.block, name="block"),
    path("report/<int:pk>/", views.report, name="report"),
    path("reports/", views.reports, name="reports"),
]

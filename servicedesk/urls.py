from django.urls import path

from servicedesk import views

app_name = "servicedesk"
urlpatterns = [
    path("staff/queue/", views.queue, name="queue"),
    path("staff/queue/<int:pk>/", views.ticket, name="ticket"),
    path("staff/queue/views/", views.save_view, name="save_view"),
    path("staff/queue/views/<int:pk>/delete/", views.delete_view, name="delete_view"),
    path("staff/reports/", views.reports, name="reports"),
    path("staff/insights/", views.insights, name="insights"),
    path("staff/insights/segments/", views.segments, name="segments"),
    path("staff/insights/segments.csv", views.segments_csv, name="segments_csv"),
    path("servicedesk/ask/<int:thread_id>/", views.ask_for_person, name="ask"),
    path("servicedesk/requests/", views.my_requests, name="requests"),
    path("servicedesk/requests/<int:pk>/", views.private_request, name="request"),
    path("servicedesk/rate/", views.rate, name="rate"),
    path("servicedesk/files/<int:pk>/", views.attachment, name="attachment"),
]

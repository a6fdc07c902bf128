from django.urls import URLPattern, URLResolver, path

from gongzhi.appeals import views_work

urlpatterns: list[URLPattern | URLResolver] = [
    path("inbox/", views_work.inbox, name="inbox"),
    path("community/<int:pk>/", views_work.community, name="community"),
    path("street/<int:pk>/", views_work.street, name="street"),
    path("ranking/", views_work.ranking, name="ranking"),
    path("ranking/export/", views_work.ranking_export, name="ranking_export"),
    path("notifications/", views_work.notifications, name="notifications"),
    path("notifications/read/", views_work.notifications_read, name="notifications_read"),
]

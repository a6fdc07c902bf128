from django.urls import URLPattern, URLResolver, path

from gongzhi.insights import views

app_name = "insights"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("hotspots/<int:pk>/<int:rank>/", views.hotspot, name="hotspot"),
    path("export.xlsx", views.export, name="export"),
    path("monthly/", views.monthly, name="monthly"),
]

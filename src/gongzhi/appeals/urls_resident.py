"""The resident's appeal pages and the appeal detail page with its actions (P1)."""

from django.urls import URLPattern, URLResolver, path

from gongzhi.appeals import views_detail, views_resident

urlpatterns: list[URLPattern | URLResolver] = [
    path("mine/", views_resident.mine, name="mine"),
    path("new/", views_resident.new, name="new"),
    path("new/suggest/", views_resident.suggest, name="suggest"),
    path("new/on-behalf/", views_resident.proxy_new, name="proxy_new"),
    path("<int:pk>/", views_detail.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views_detail.act, name="act"),
    path("photos/<int:pk>/", views_detail.photo, name="photo"),
]

from catalog import views as catalog_views
from django.contrib import admin
from django.urls import path

from shop import health

urlpatterns = [
    path("healthz/live", health.live, name="health-live"),
    path("healthz/ready", health.ready, name="health-ready"),
    path("admin/", admin.site.urls),
    path("", catalog_views.product_list, name="product-list"),
    path("products/<slug:slug>/", catalog_views.product_detail, name="product-detail"),
]

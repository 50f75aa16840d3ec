from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404

from catalog.models import Product


def _as_json(product: Product) -> dict[str, object]:
    return {
        "name": product.name,
        "slug": product.slug,
        "category": product.category.name,
        "price": str(product.price),
        "inStock": product.in_stock,
        "description": product.description or "",
    }


def product_list(request: HttpRequest) -> HttpResponse:
    products = Product.objects.select_related("category")
    return JsonResponse({"products": [_as_json(p) for p in products]})


def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(Product.objects.select_related("category"), slug=slug)
    return JsonResponse(_as_json(product))

from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    # 0002: added nullable, so pods still running the previous release keep inserting rows.
    description = models.TextField(null=True, blank=True)
    # 0003: the default lives in the database (db_default), so old code's INSERTs that omit it still succeed.
    in_stock = models.BooleanField(db_default=True, default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

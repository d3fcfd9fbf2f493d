"""Uploaded files, served only to those who may see them: nothing under MEDIA_ROOT has a
public URL (docs/security.md). Product photos are part of the identification guide (customs,
the office, the product's rights holder); case photos belong to the case's parties. Label
sheets are downloaded through the registry's API (brand staff), bulk uploads never."""

import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from ipchain.registry.models import Product, ProductImage

from .audiences import sees_guide
from .cases import visible_cases
from .models import CasePhoto


def _file(field) -> FileResponse:
    if not field:
        raise Http404("no file")
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404("no file") from None
    content_type = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"  # never in a shared cache
    response["Content-Disposition"] = "inline"
    return response


@require_safe
@login_required
def product_image(request: HttpRequest, pk: int) -> FileResponse:
    product = get_object_or_404(Product.objects.select_related("brand"), pk=pk)
    if not sees_guide(request.user, product):
        raise Http404("no such photo")  # as for one that does not exist
    return _file(product.image)


@require_safe
@login_required
def guide_photo(request: HttpRequest, pk: int) -> FileResponse:
    photo = get_object_or_404(ProductImage.objects.select_related("product__brand"), pk=pk)
    if not sees_guide(request.user, photo.product):
        raise Http404("no such photo")
    return _file(photo.image)


@require_safe
@login_required
def case_photo(request: HttpRequest, case_pk: int, pk: int) -> FileResponse:
    photo = get_object_or_404(CasePhoto, pk=pk, case__in=visible_cases(request.user).filter(pk=case_pk))
    return _file(photo.image)

"""Forms of the verifier's pages: a detention case and the answers to it."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_PHOTOS = 6


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.ImageField):
    """Several photos in one input; each one checked to be an image by Pillow."""

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("At most %(n)s photos.") % {"n": MAX_PHOTOS})
        cleaned = []
        for file in files:
            if file.size > settings.IPCHAIN_CASE_PHOTO_MAX_BYTES:
                raise ValidationError(
                    _("A photo is at most %(mb)s MB.")
                    % {"mb": settings.IPCHAIN_CASE_PHOTO_MAX_BYTES // 2**20}
                )
            cleaned.append(super().clean(file, initial))
        return cleaned


class CaseForm(forms.Form):
    goods = forms.CharField(
        label=_("Goods"), max_length=300, help_text=_("What is detained, as on the declaration")
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=10_000_000, initial=1)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea, required=False, max_length=5000)
    perishable = forms.BooleanField(label=_("Perishable goods"), required=False)
    small_consignment = forms.BooleanField(label=_("Small consignment (Art. 26)"), required=False)
    photos = MultipleImageField(
        label=_("Photos"),
        required=False,
        widget=MultipleImageInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


class PhotosForm(forms.Form):
    photos = MultipleImageField(
        label=_("Add photos"),
        widget=MultipleImageInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


class SuspicionForm(forms.Form):
    note = forms.CharField(
        label=_("What looks wrong"),
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),  # written in any language
        required=False,
        max_length=1000,
        help_text=_("Sent to the rights holder, not written in the public log."),
    )

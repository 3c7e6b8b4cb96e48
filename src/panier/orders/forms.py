"""Customer forms of orders: the online withdrawal function."""

from django import forms
from django.utils.translation import gettext_lazy as _


class WithdrawalForm(forms.Form):
    """Only what C. conso L221-21 allows asking: name, order reference, contact."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    number = forms.CharField(label=_("Order number"), max_length=30)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["number"].widget.attrs["autocapitalize"] = "characters"

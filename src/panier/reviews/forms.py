from django import forms
from django.utils.translation import gettext_lazy as _

from panier.reviews.models import RefusalReason, ReportReason


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(n, f"{n}/5") for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label=_("Title (optional)"), max_length=120, required=False)
    body = forms.CharField(label=_("Your review"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why do you report this review?"), choices=ReportReason.choices)
    details = forms.CharField(label=_("Details"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    email = forms.EmailField(label=_("Your e-mail (optional)"), required=False)


class ModerationForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))], widget=forms.RadioSelect)
    reason = forms.ChoiceField(
        label=_("Reason for a refusal"), choices=[("", "—"), *RefusalReason.choices], required=False
    )
    note = forms.CharField(label=_("Note to the author"), max_length=500, required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not data.get("reason"):
            self.add_error("reason", _("Choose the reason for the refusal."))
        if data.get("reason") == RefusalReason.OTHER and not data.get("note"):
            self.add_error("note", _("Explain the reason to the author."))
        return data


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your public reply"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

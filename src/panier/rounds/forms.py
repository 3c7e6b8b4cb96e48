from django import forms
from django.utils.translation import gettext_lazy as _

from panier.rounds.models import Vehicle


class VehicleForm(forms.ModelForm):
    class Meta:
        model = Vehicle
        fields = ["name", "capacity_kg", "capacity_crates", "shift_start", "shift_end"]
        widgets = {"shift_start": forms.TimeInput(attrs={"type": "time"}), "shift_end": forms.TimeInput(attrs={"type": "time"})}

    def clean(self):
        data = super().clean()
        if data.get("shift_start") and data.get("shift_end") and data["shift_end"] <= data["shift_start"]:
            self.add_error("shift_end", _("The shift must end after it starts."))
        return data

"""A form renderer that writes the most common form parts in Python.

Django renders every field of a form through four to six small templates
(the field group, its label, its error list, the widget and the widget's
attributes). On the checkout page that was about a third of the page's
CPU. ``FastFormRenderer`` produces the same HTML as Django's own
templates for those parts, and for selects, radio buttons and checkbox
lists (one template include per option, which made a select of the 27 EU
countries cost more than the rest of its form), as plain string building.
Every other template (text areas, date parts, anything a project
overrides) goes to Django's template renderer unchanged.

The output is the same string as Django's: ``tests/core/test_form_renderer.py``
renders every form of Panier with both renderers and compares them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

#: Widget templates that are exactly ``django/forms/widgets/input.html``.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "email", "number", "password", "hidden", "url", "search", "tel",
                 "date", "datetime", "time", "checkbox", "color")
)


def _format(value: Any) -> str:
    """``{{ value|stringformat:'s' }}`` with autoescaping."""
    if isinstance(value, tuple):
        value = str(value)
    try:
        text = "%s" % value  # noqa: UP031 - the same formatting as the template filter
    except (ValueError, TypeError):
        return ""
    return text if isinstance(value, SafeData) else str(conditional_escape(text))


def _attrs(attrs: Mapping[str, Any] | None) -> str:
    """``django/forms/widgets/attrs.html`` (and ``django/forms/attrs.html``)."""
    if not attrs:
        return ""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_format(value)}"')
    return "".join(parts)


def _input(context: Mapping[str, Any]) -> str:
    widget = context["widget"]
    value = widget["value"]
    html = f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
    if value is not None:
        html += f' value="{_format(value)}"'
    return html + _attrs(widget["attrs"]) + ">"


def _option(option: Mapping[str, Any]) -> str | None:
    """One option of a select or of a radio/checkbox list, as its template writes it (with its newlines)."""
    template = option["template_name"]
    if template == "django/forms/widgets/select_option.html":
        return (f'<option value="{_format(option["value"])}"{_attrs(option["attrs"])}>'
                f'{conditional_escape(option["label"])}</option>\n')
    if template not in _INPUT_OPTION_TEMPLATES:
        return None
    # input_option.html includes input.html, which ends with a newline;
    # radio_option.html and checkbox_option.html add their own.
    html = _input({"widget": option}) + "\n"
    if option["wrap_label"]:
        for_id = option["attrs"].get("id")
        for_attr = f' for="{conditional_escape(for_id)}"' if for_id else ""
        html = f"<label{for_attr}>{html} {conditional_escape(option['label'])}</label>"
    return html + ("\n" if template == "django/forms/widgets/input_option.html" else "\n\n")


_INPUT_OPTION_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html" for name in ("input_option", "radio_option", "checkbox_option")
)


def _groups(optgroups, group_open: str, group_close: str, before: str, after: str) -> str | None:
    """The options of a widget, by group; None when an option uses a template of its own."""
    parts = []
    for group_name, options, _index in optgroups:
        if group_name:
            parts.append(group_open.format(conditional_escape(group_name)))
        for option in options:
            html = _option(option)
            if html is None:
                return None
            parts.append(before + html + after)
        if group_name:
            parts.append(group_close)
    return "".join(parts)


def _select(context: Mapping[str, Any]) -> str | None:
    """``django/forms/widgets/select.html``."""
    widget = context["widget"]
    options = _groups(widget["optgroups"], '\n  <optgroup label="{}">', "\n  </optgroup>", "\n  ", "")
    if options is None:
        return None
    return f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>{options}\n</select>'


def _multiple_input(context: Mapping[str, Any]) -> str | None:
    """``django/forms/widgets/multiple_input.html`` (radio buttons and checkbox lists)."""
    widget = context["widget"]
    attrs = widget["attrs"]
    options = _groups(widget["optgroups"], "\n  <div><label>{}</label>", "\n  </div>", "<div>\n    ", "</div>")
    if options is None:
        return None
    id_attr = f' id="{conditional_escape(attrs["id"])}"' if attrs.get("id") else ""
    class_attr = f' class="{conditional_escape(attrs["class"])}"' if attrs.get("class") else ""
    return f"<div{id_attr}{class_attr}>{options}\n</div>"


def _label(context: Mapping[str, Any]) -> str:
    label = conditional_escape(context["label"])
    if not context["use_tag"]:
        return str(label)
    tag = conditional_escape(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{label}</{tag}>"


def _errors(context: Mapping[str, Any]) -> str:
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    id_attr = f' id="{conditional_escape(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{conditional_escape(error)}</li>" for error in errors)
    return f'<ul class="{conditional_escape(context["error_class"])}"{id_attr}>{items}</ul>'


def _field(context: Mapping[str, Any]) -> str:
    field = context["field"]
    if field.use_fieldset:
        described = field.aria_describedby
        described_attr = f' aria-describedby="{conditional_escape(described)}"' if described else ""
        head = f"\n  <fieldset{described_attr}>\n  {field.legend_tag() if field.label else ''}\n"
    else:
        head = f"\n  {field.label_tag() if field.label else ''}\n"
    help_html = ""
    if field.help_text:
        id_attr = f' id="{conditional_escape(field.auto_id)}_helptext"' if field.auto_id else ""
        help_html = f'<div class="helptext"{id_attr}>{field.help_text}</div>'
    end = "</fieldset>" if field.use_fieldset else ""
    return f"{head}\n{help_html}\n{conditional_escape(str(field.errors))}\n{conditional_escape(str(field))}{end}\n"


_FAST: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    **dict.fromkeys(INPUT_TEMPLATES, _input),
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _errors,
    "django/forms/errors/list/ul.html": _errors,
    "django/forms/field.html": _field,
    "django/forms/widgets/select.html": _select,
    **dict.fromkeys(
        ("django/forms/widgets/radio.html", "django/forms/widgets/checkbox_select.html",
         "django/forms/widgets/multiple_input.html"),
        _multiple_input,
    ),
}


class FastFormRenderer(DjangoTemplates):
    """Django's template form renderer, with the common parts written in Python."""

    def render(self, template_name, context, request=None):
        fast = _FAST.get(template_name)
        html = fast(context) if fast is not None else None
        if html is None:
            return super().render(template_name, context, request=request)
        return html.strip()

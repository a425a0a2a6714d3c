"""django-import-export column mapping for the people who serve, scoped to the importing/exporting user.

Headers and labels are the user's language (issue 13 B9): a Chinese user's sheet reads 姓名, 联系电话, 岗位 … with
the post as its label (家庭签约医生) and 在岗 as 是/否; an English user's reads Name, Phone, Post …. The resource itself
keeps the field names as its columns; :func:`export_headers` names them for the sheet and :func:`header_field`
reads a sheet's header in either language (or the field name, as older exports wrote it). A post is read from its
code or its label in either language.

Scope (docs/SECURITY.md §Access): ``get_queryset`` is the user's area: an ``id`` from another area is unknown — and an
unknown ``id`` is an error, never a new row (a model saved with a given pk would overwrite that row). Regions
and logins resolve only inside the area. Text cells a spreadsheet would run are written with a leading ``'``.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from import_export import fields, resources
from import_export.widgets import BooleanWidget, ForeignKeyWidget, Widget

from accounts.models import User
from contacts.models import ServicePerson
from households.exports import xlsx_safe
from regions.models import Region


class _ScopedForeignKeyWidget(ForeignKeyWidget):
    def __init__(self, model: Any, field: str, *, queryset: Any) -> None:
        super().__init__(model, field=field)
        self._queryset = queryset

    def get_queryset(self, value: Any, row: Any, *args: Any, **kwargs: Any) -> Any:
        return self._queryset


COLUMNS = ("id", "name", "phone", "role_type", "unit", "region_code", "region_name", "login", "active", "note")

# The sheet's header of each column, in the user's language.
HEADERS = {
    "id": pgettext_lazy("person sheet", "ID"),
    "name": pgettext_lazy("person sheet", "Name"),
    "phone": pgettext_lazy("person sheet", "Phone"),
    "role_type": pgettext_lazy("person sheet", "Post"),
    "unit": pgettext_lazy("person sheet", "Unit"),
    "region_code": pgettext_lazy("person sheet", "Area code"),
    "region_name": pgettext_lazy("person sheet", "Area name"),
    "login": pgettext_lazy("person sheet", "Login"),
    "active": pgettext_lazy("person sheet", "Active"),
    "note": pgettext_lazy("person sheet", "Note"),
}

# Other ways a county's sheet heads these columns (read on import, besides the headers above in every language).
HEADER_ALIASES = {
    "id": ("编号", "序号id"),
    "name": ("姓名", "联系人姓名", "联系人"),
    "phone": ("联系电话", "电话", "手机", "手机号", "手机号码", "电话号码"),
    "role_type": ("岗位", "角色", "联系人类型", "类型", "role"),
    "unit": ("单位", "工作单位"),
    "region_code": ("区域代码", "区划代码", "行政区划代码"),
    "region_name": ("区域名称", "区域", "所在区域"),
    "login": ("登录账号", "平台账号", "账号", "用户名"),
    "active": ("在岗", "在用", "状态"),
    "note": ("备注",),
}

_SPACE_RE = re.compile(r"[\s　:：*＊]+")


def _key(text: Any) -> str:
    """A header or a label as compared: no spaces or colons, full-width brackets and slashes as ASCII, no case."""
    value = _SPACE_RE.sub("", str(text or ""))
    return value.translate(str.maketrans("（）／", "()/")).casefold()


def export_headers() -> list[str]:
    """The sheet's headers in the active language, in column order."""
    return [str(HEADERS[column]) for column in COLUMNS]


def _in_every_language(text: Any) -> set[str]:
    found = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found.add(_key(text))
    return found


def header_field(header: Any) -> str | None:
    """The column a sheet's header names: the field name, a header in any of the portal's languages, or an
    alias; None for a column the import does not read."""
    key = _key(header)
    for column in COLUMNS:
        if key == column or key in _in_every_language(HEADERS[column]):
            return column
        if key in {_key(alias) for alias in HEADER_ALIASES.get(column, ())}:
            return column
    return None


class PostWidget(Widget):
    """A post (role_type): written as its label in the active language, read from the code or a label in either
    language (乡镇（街道）领导干部, "Town/street leader cadre (乡镇/街道领导干部)", or the part in brackets)."""

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        if value in ServicePerson.RoleType.values:
            return str(ServicePerson.RoleType(value).label)
        return "" if value is None else str(value)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        key = _key(value)
        if not key:
            return ""
        for code, label in ServicePerson.RoleType.choices:
            names = {code}
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    text = str(label)
                names.add(_key(text))
                names.update(_key(part) for part in re.findall(r"[(（]([^()（）]+)[)）]", text))
            if key in names:
                return code
        raise ValueError(
            _("Unknown post %(value)s: write one of %(posts)s.")
            % {"value": value, "posts": " / ".join(str(label) for label in ServicePerson.RoleType.labels)}
        )


class ActiveWidget(BooleanWidget):
    """在岗: written 是/否 (Yes/No), read from those in either language or 1/0, true/false."""

    TRUE_WORDS = ("是", "yes", "y", "在岗", "在用", "√")
    FALSE_WORDS = ("否", "no", "n", "离岗", "不在岗", "停用", "×")

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        if not isinstance(value, bool):
            return ""
        return _("Yes") if value else _("No")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool | None:
        key = _key(value)
        if key in {_key(w) for w in self.TRUE_WORDS} | _in_every_language_words("Yes"):
            return True
        if key in {_key(w) for w in self.FALSE_WORDS} | _in_every_language_words("No"):
            return False
        return super().clean(value, row=row, **kwargs)


def _in_every_language_words(word: str) -> set[str]:
    found = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found.add(_key(_(word)))
    return found


class ServicePersonResource(resources.ModelResource):
    region_code = fields.Field(
        attribute="region", column_name="region_code", widget=ForeignKeyWidget(Region, field="code")
    )
    region_name = fields.Field(attribute="region__name", column_name="region_name", readonly=True)
    login = fields.Field(attribute="user", column_name="login", widget=ForeignKeyWidget(User, field="username"))
    role_type = fields.Field(attribute="role_type", column_name="role_type", widget=PostWidget())
    active = fields.Field(attribute="active", column_name="active", widget=ActiveWidget(), default=True)

    class Meta:
        model = ServicePerson
        fields = COLUMNS
        export_order = fields
        import_id_fields = ("id",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False

    def __init__(self, *, user: User, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user = user
        self.fields["region_code"].widget = _ScopedForeignKeyWidget(
            Region, "code", queryset=Region.objects.visible_to(user)
        )
        self.fields["login"].widget = _ScopedForeignKeyWidget(User, "username", queryset=User.objects.visible_to(user))

    def get_queryset(self) -> Any:
        return ServicePerson.objects.visible_to(self.user).select_related("region", "user")

    def init_instance(self, row: Any = None) -> ServicePerson:
        if row is not None and str(row.get("id") or "").strip():
            raise ValidationError(
                _("No person with id %(id)s in your area: leave id empty to add a new person.") % {"id": row.get("id")}
            )
        return super().init_instance(row)

    def after_import(self, dataset: Any, result: Any, **kwargs: Any) -> None:
        """import-export's default resets the table's id sequence (``setval``), for imports that write ids. Here a
        new person never brings an id (``init_instance`` refuses one), so the sequence is already right; and the
        application's database role may draw from a sequence but not set it (audit/database_roles.py)."""

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        return xlsx_safe(super().export_field(field, instance, **kwargs))

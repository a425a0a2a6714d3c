"""django-import-export column mapping for regions (admin import/export of master data)."""

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from regions.models import Region


class RegionResource(resources.ModelResource):
    parent_code = fields.Field(
        attribute="parent", column_name="parent_code", widget=ForeignKeyWidget(Region, field="code")
    )

    class Meta:
        model = Region
        fields = ("code", "name", "level", "parent_code")
        export_order = fields
        import_id_fields = ("code",)

"""Import and export of items, BOMs and routings as CSV or XLSX (django-import-export).

A BOM file has one row per line and a routing file one row per operation; the version's header
(item, version, validity, and for a BOM its quantity) is repeated on every row, and a version
that does not exist yet is created by its first row. References are numbers and codes.

Each row is checked with the same rules as the API (``validation``): scrap, unit conversions,
cycles, overlapping validity, subcontracted operations without a service. A bad row is reported
with its number and the field at fault. The import runs in one transaction that is rolled back
when any row has an error (``use_transactions``; the admin always passes
``rollback_on_validation_errors``), so a file with errors writes nothing.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from import_export import fields, resources, widgets

from ledger.models import ItemPostingGroup
from mfgcost.core.errors import BusinessError

from .models import (
    BomLine,
    BomVersion,
    CostGroup,
    CostingSheet,
    Item,
    Operation,
    RoutingVersion,
    UnitOfMeasure,
    WorkCenter,
)
from .services import item_change_check, item_low_level_codes_update
from .validation import (
    bom_cycle_check,
    operation_check,
    scrap_percent_check,
    unit_conversion_check,
    validity_overlap_check,
    violated_check_field,
)


class CodeWidget(widgets.ForeignKeyWidget):
    """A reference by number or code; an unknown one is an error that names the value."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(f"There is no {self.model._meta.verbose_name} {value}.") from None


def code_field(attribute: str, model, slug: str = "code") -> fields.Field:
    return fields.Field(attribute=attribute, column_name=attribute, widget=CodeWidget(model, slug))


def shown(attribute: str, column: str, widget=None) -> fields.Field:
    """An exported column that is not imported as a field of the row's model."""
    return fields.Field(attribute=attribute, column_name=column, readonly=True, widget=widget)


def rule_errors(errors: dict, *checks) -> dict:
    """Run ``checks`` (callables raising ``BusinessError``); collect the first error per field."""
    errors = dict(errors or {})
    for check in checks:
        try:
            check()
        except BusinessError as error:
            errors.setdefault(error.field, ValidationError(error.message))
    return errors


class CheckedResource(resources.ModelResource):
    """A row that breaks a database check constraint reports it on the field the constraint
    tests (Django reports such errors without a field)."""

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as exc:
            errors = getattr(exc, "error_dict", None)
            if not errors or NON_FIELD_ERRORS not in errors:
                raise
            field_name = violated_check_field(instance, ())
            if field_name is None:
                raise
            errors = dict(errors)
            errors.setdefault(field_name, []).extend(errors.pop(NON_FIELD_ERRORS))
            raise ValidationError(errors) from exc


class ItemResource(CheckedResource):
    base_unit = code_field("base_unit", UnitOfMeasure)
    posting_group = code_field("posting_group", ItemPostingGroup)
    cost_group = code_field("cost_group", CostGroup)
    costing_sheet = code_field("costing_sheet", CostingSheet)
    standard_cost = shown("standard_cost", "standard_cost")
    low_level_code = shown("low_level_code", "low_level_code")

    class Meta:
        model = Item
        fields = (
            "number",
            "description",
            "item_type",
            "replenishment",
            "base_unit",
            "costing_method",
            "posting_group",
            "cost_group",
            "costing_sheet",
            "lot_size",
            "net_weight_kg",
            "allow_negative_stock",
            "blocked",
            "standard_cost",
            "low_level_code",
        )
        export_order = fields
        import_id_fields = ("number",)
        use_transactions = True
        clean_model_instances = True
        skip_diff = True

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        def service_has_group():
            if instance.item_type == Item.ItemType.SERVICE and instance.cost_group_id is None:
                raise BusinessError("A service item needs a cost group.", field="cost_group")

        def posting_group_kept():
            item_change_check(item=instance)

        errors = rule_errors(import_validation_errors, service_has_group, posting_group_kept)
        super().validate_instance(instance, errors, validate_unique)


class VersionRowsResource(CheckedResource):
    """Rows of BOM or routing versions; the header columns find or create the version."""

    version_model: type[BomVersion] | type[RoutingVersion]
    parent_field: str
    key_field: str

    def header_values(self, row) -> dict:
        """Extra header columns of the version (none by default)."""
        return {}

    def before_import_row(self, row, **kwargs):
        self.current_version = self._version_for(row)

    def _version_for(self, row):
        errors: dict = {}
        values = {}
        readers = {
            "item": CodeWidget(Item, "number"),
            "version": widgets.CharWidget(),
            "valid_from": widgets.DateWidget(),
            "valid_to": widgets.DateWidget(),
        }
        for column, widget in readers.items():
            try:
                values[column] = widget.clean(row.get(column))
            except ValueError as error:
                errors[column] = ValidationError(str(error))
        for column in ("item", "version", "valid_from"):
            if column not in errors and not values.get(column):
                errors[column] = ValidationError("This column is required.")
        if errors:
            raise ValidationError(errors)
        model = self.version_model
        existing = model.objects.filter(item=values["item"], version=values["version"]).first()
        if existing is not None:
            validity = (values["valid_from"], values["valid_to"])
            if (existing.valid_from, existing.valid_to) != validity:
                raise ValidationError(
                    {
                        "valid_from": f"Version {existing.version} of {existing.item} exists with "
                        "another validity; rows of one version repeat its header."
                    }
                )
            return existing
        try:
            validity_overlap_check(
                model=model,
                item=values["item"],
                valid_from=values["valid_from"],
                valid_to=values["valid_to"],
            )
        except BusinessError as error:
            raise ValidationError({error.field: error.message}) from None
        return model.objects.create(**values, **self.header_values(row))

    def get_instance(self, instance_loader, row):
        key = row.get(self.key_field)
        if key in (None, ""):
            return None
        return self._meta.model.objects.filter(
            **{self.parent_field: self.current_version, self.key_field: key}
        ).first()

    def init_instance(self, row=None):
        return self._meta.model(**{self.parent_field: self.current_version})


class BomResource(VersionRowsResource):
    """BOM versions, one row per line."""

    version_model = BomVersion
    parent_field = "bom"
    key_field = "line_no"

    item = shown("bom__item__number", "item")
    version = shown("bom__version", "version")
    valid_from = shown("bom__valid_from", "valid_from", widgets.DateWidget())
    valid_to = shown("bom__valid_to", "valid_to", widgets.DateWidget())
    bom_quantity = shown("bom__quantity", "bom_quantity")
    component = code_field("component", Item, "number")
    unit = code_field("unit", UnitOfMeasure)

    class Meta:
        model = BomLine
        fields = (
            "item",
            "version",
            "valid_from",
            "valid_to",
            "bom_quantity",
            "line_no",
            "component",
            "quantity_per",
            "unit",
            "scrap_percent",
            "flushing_method",
            "operation_no",
        )
        export_order = fields
        import_id_fields = ()
        use_transactions = True
        clean_model_instances = True
        skip_diff = True

    def header_values(self, row) -> dict:
        quantity = widgets.DecimalWidget().clean(row.get("bom_quantity"))
        return {"quantity": quantity} if quantity is not None else {}

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        component = instance.component if instance.component_id else None
        unit = instance.unit if instance.unit_id else None
        context = f"Line {instance.line_no}: "

        def scrap():
            scrap_percent_check(instance.scrap_percent, context=context)

        def conversion():
            if component is not None and unit is not None:
                unit_conversion_check(component=component, unit=unit, context=context)

        def cycle():
            if component is not None:
                bom_cycle_check(item=instance.bom.item, components=[component])

        errors = rule_errors(import_validation_errors, scrap, conversion, cycle)
        super().validate_instance(instance, errors, validate_unique)

    def after_import(self, dataset, result, **kwargs):
        if not result.has_errors() and not result.has_validation_errors():
            item_low_level_codes_update()


class RoutingResource(VersionRowsResource):
    """Routing versions, one row per operation."""

    version_model = RoutingVersion
    parent_field = "routing"
    key_field = "operation_no"

    item = shown("routing__item__number", "item")
    version = shown("routing__version", "version")
    valid_from = shown("routing__valid_from", "valid_from", widgets.DateWidget())
    valid_to = shown("routing__valid_to", "valid_to", widgets.DateWidget())
    work_center = code_field("work_center", WorkCenter)
    service_item = code_field("service_item", Item, "number")

    class Meta:
        model = Operation
        fields = (
            "item",
            "version",
            "valid_from",
            "valid_to",
            "operation_no",
            "description",
            "work_center",
            "setup_time",
            "run_time",
            "subcontracted",
            "service_item",
        )
        export_order = fields
        import_id_fields = ()
        use_transactions = True
        clean_model_instances = True
        skip_diff = True

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        def service():
            operation_check(
                {
                    "operation_no": instance.operation_no,
                    "subcontracted": instance.subcontracted,
                    "service_item": instance.service_item if instance.service_item_id else None,
                }
            )

        errors = rule_errors(import_validation_errors, service)
        super().validate_instance(instance, errors, validate_unique)

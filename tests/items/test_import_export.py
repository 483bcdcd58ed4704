"""Import and export of items, BOMs and routings: a file with a bad row writes nothing."""

from decimal import Decimal

import pytest
import tablib
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from mfgcost.items.models import BomLine, BomVersion, Item, Operation, RoutingVersion
from mfgcost.items.resources import BomResource, ItemResource, RoutingResource

D = Decimal
pytestmark = pytest.mark.django_db
ITEM_COLUMNS = [
    "number",
    "description",
    "item_type",
    "base_unit",
    "posting_group",
    "cost_group",
    "costing_method",
    "lot_size",
]
BOM_COLUMNS = [
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
]


def dataset(headers: list[str], *rows: list) -> tablib.Dataset:
    data = tablib.Dataset(headers=headers)
    for row in rows:
        data.append(row)
    return data


def run_import(resource_class, data: tablib.Dataset):
    """Import as the admin does: in a transaction, rolled back when any row is invalid."""
    return resource_class().import_data(
        data, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
    )


def row_errors(result) -> dict[int, dict[str, list[str]]]:
    errors = {row.number: row.error_dict for row in result.invalid_rows}
    for number, row_errors in result.row_errors():
        errors[number] = {"error": [str(e.error) for e in row_errors]}
    return errors


def test_items_import_with_a_bad_row_writes_nothing(company):
    data = dataset(
        ITEM_COLUMNS,
        ["GEAR", "Gear", "stocked", "pcs", "RAW", "MAT", "standard", "1"],
        ["SHAFT", "Shaft", "stocked", "box", "RAW", "MAT", "standard", "1"],
        ["PAINTING", "Painting", "service", "pcs", "SERVICE", "", "standard", "1"],
        ["AXLE", "Axle", "stocked", "pcs", "RAW", "MAT", "fifo", "0"],
    )
    result = run_import(ItemResource, data)
    errors = row_errors(result)
    assert set(errors) == {2, 3, 4}
    assert errors[2] == {"base_unit": ["There is no unit of measure box."]}
    assert list(errors[3]) == ["cost_group"]  # a service needs a cost group
    assert list(errors[4]) == ["lot_size"]  # the lot size constraint
    assert not Item.objects.filter(number__in=["GEAR", "SHAFT", "PAINTING", "AXLE"]).exists()

    data = dataset(ITEM_COLUMNS, ["GEAR", "Gear", "stocked", "pcs", "RAW", "MAT", "standard", "5"])
    result = run_import(ItemResource, data)
    assert not result.has_validation_errors() and not result.has_errors()
    assert Item.objects.get(number="GEAR").lot_size == D("5")


def test_bom_import_with_a_bad_row_writes_nothing(steel_works):
    before = (BomVersion.objects.count(), BomLine.objects.count())
    data = dataset(
        BOM_COLUMNS,
        ["PIG-IRON", "2", "2025-01-01", "2025-12-31", "1", 10, "SINTER", "1.5", "t", "0"],
        ["PIG-IRON", "2", "2025-01-01", "2025-12-31", "1", 20, "COKE", "0.45", "t", "100"],
        ["PIG-IRON", "2", "2025-01-01", "2025-12-31", "1", 30, "LIMESTONE", "50", "kg", "0"],
        ["IRON-ORE", "1", "2025-01-01", "", "1", 10, "PIG-IRON", "1", "t", "0"],
        ["SINTER", "9", "2026-06-01", "", "1", 10, "COKE", "1", "t", "0"],
    )
    result = run_import(BomResource, data)
    errors = row_errors(result)
    assert set(errors) == {2, 3, 4, 5}  # row 1 is fine
    assert list(errors[2]) == ["scrap_percent"]
    assert "no unit conversion from kg to t for item LIMESTONE" in errors[3]["unit"][0]
    assert "IRON-ORE -> PIG-IRON -> SINTER -> IRON-ORE" in errors[4]["component"][0]
    assert "overlaps BOM version F1 of item SINTER" in errors[5]["valid_from"][0]
    assert (BomVersion.objects.count(), BomLine.objects.count()) == before


def test_bom_export_and_import_round_trip_as_xlsx(steel_works):
    exported = BomResource().export(queryset=BomLine.objects.filter(bom__item__number="SINTER"))
    assert exported.headers == BOM_COLUMNS + ["flushing_method", "operation_no"]
    assert [row[6] for row in exported] == ["IRON-ORE", "COKE", "LIMESTONE"]
    # The same lines as version 2 of 2025, read back from an XLSX file.
    for index in range(len(exported)):
        row = list(exported[index])
        row[1], row[2], row[3] = "2", "2025-01-01", "2025-12-31"
        exported[index] = row
    xlsx = tablib.Dataset().load(exported.export("xlsx"), format="xlsx")
    result = run_import(BomResource, xlsx)
    assert not result.has_validation_errors() and not result.has_errors(), row_errors(result)
    bom = BomVersion.objects.get(item__number="SINTER", version="2")
    assert bom.quantity == D("1.4")
    assert [(line.component.number, line.quantity_per) for line in bom.lines.all()] == [
        ("IRON-ORE", D("1.3")),
        ("COKE", D("0.07")),
        ("LIMESTONE", D("0.1")),
    ]


def test_routing_import_checks_subcontracted_operations(frame_product):
    columns = [
        "item",
        "version",
        "valid_from",
        "valid_to",
        "operation_no",
        "work_center",
        "setup_time",
        "run_time",
        "subcontracted",
        "service_item",
    ]
    data = dataset(
        columns,
        ["OFFCUT", "1", "2026-01-01", "", 10, "CUT", "0.5", "0.05", "0", ""],
        ["OFFCUT", "1", "2026-01-01", "", 20, "COATV", "0", "0", "1", ""],
    )
    result = run_import(RoutingResource, data)
    assert {n: list(e) for n, e in row_errors(result).items()} == {2: ["service_item"]}
    assert not RoutingVersion.objects.filter(item__number="OFFCUT").exists()

    data[1] = ["OFFCUT", "1", "2026-01-01", "", 20, "COATV", "0", "0", "1", "COAT-SVC"]
    result = run_import(RoutingResource, data)
    assert not result.has_validation_errors()
    assert Operation.objects.filter(routing__item__number="OFFCUT").count() == 2


def test_admin_import_of_a_file_with_a_bad_row_shows_it_and_writes_nothing(client, steel_works):
    client.force_login(get_user_model().objects.create_superuser("imp", "i@example.com", "pw"))
    before = BomLine.objects.count()
    content = (
        ",".join(BOM_COLUMNS) + "\n"
        "PIG-IRON,2,2025-01-01,2025-12-31,1,10,SINTER,1.5,t,0\n"
        "PIG-IRON,2,2025-01-01,2025-12-31,1,20,COKE,0.45,t,-3\n"
    ).encode()
    response = client.post(
        "/admin/items/bomversion/import/",
        {
            "resource": 0,
            "format": 0,  # CSV
            "import_file": SimpleUploadedFile("bom.csv", content, content_type="text/csv"),
        },
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert [row.number for row in result.invalid_rows] == [2]
    assert "scrap_percent" in result.invalid_rows[0].error_dict
    assert response.context.get("confirm_form") is None  # nothing to confirm
    assert BomLine.objects.count() == before

"""An item whose production orders hold work in process keeps its posting group."""

import pytest

from mfgcost.core.errors import BusinessError
from mfgcost.items.services import item_save

pytestmark = pytest.mark.django_db


def test_a_product_with_wip_keeps_its_posting_group(bracket, post, company):
    post.receipt(bracket.steel, "30", "5.20", day=1)
    order = post.release(bracket.item, "10", "PO-1", day=2)
    # 21 x 5.20 = 109.20 of steel and the sheet's 10 % overhead on it, 10.92: 120.12 in WIP,
    # and no stock of BRACKET.
    post.consume(order, bracket.steel, "21")
    with pytest.raises(BusinessError) as refused:
        item_save(item=bracket.item, posting_group=company.groups["RAW"])
    assert refused.value.field == "posting_group"
    assert "120.12 in work in process" in refused.value.message
    bracket.item.refresh_from_db()
    assert bracket.item.posting_group.code == "FINISHED"

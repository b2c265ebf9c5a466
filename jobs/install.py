from __future__ import annotations

from domain.shop import installation
from jobs.runtime import job


@job
def post_install(shop_id: int) -> None:
    installation.post_install(shop_id)

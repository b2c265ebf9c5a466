"""The client waits exactly as long as Shopify's bucket needs to refill."""

from integrations.shopify_admin.transport import throttle_wait_seconds


def test_wait_is_missing_points_over_restore_rate():
    cost = {
        "requestedQueryCost": 502,
        "throttleStatus": {
            "currentlyAvailable": 2,
            "restoreRate": 100.0,
            "maximumAvailable": 2000.0,
        },
    }
    assert throttle_wait_seconds(cost) == 5.0


def test_wait_has_a_floor_and_a_default():
    assert (
        throttle_wait_seconds(
            {
                "requestedQueryCost": 1,
                "throttleStatus": {"currentlyAvailable": 500, "restoreRate": 100.0},
            }
        )
        == 0.05
    )
    assert throttle_wait_seconds(None) == 1.0

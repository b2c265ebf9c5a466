"""The client waits exactly as long as Shopify's bucket needs to refill."""

from integrations.shopify_admin.transport import retry_after_seconds, throttle_wait_seconds


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


def test_retry_after_is_read_in_seconds_with_shopifys_one_second_default():
    assert retry_after_seconds({"Retry-After": "2.0"}) == 2.0
    assert retry_after_seconds({}) == 1.0
    assert retry_after_seconds({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}) == 1.0
    assert retry_after_seconds({"Retry-After": "-5"}) == 0.0

"""The demo incident's story, as data: who logs what, how often, before and after the deploy.

v2.4.0 ships a staging-only `USE_MOCK_SERVICE=true`, so payments calls a mock host
that refuses connections (NEW, the headline). Checkout's DB pool exhausts gradually,
worst on co-3 (SPIKE, bad host). A receipt KeyError is fixed by the release (GONE).
A rare S3 retry error predates the deploy and must stay STEADY. The rest is noise.
"""

from __future__ import annotations

from datetime import datetime, timezone

DEMO_DEPLOY = datetime(2026, 11, 26, 14, 2, 0, tzinfo=timezone.utc)
DEMO_VERSION = "v2.4.0"
PREVIOUS_VERSION = "v2.3.7"
SPAN_MINUTES = 60  # data on each side of the deploy
SEED = 20261126

HOSTS = {
    "gateway": ["gw-1", "gw-2"],
    "checkout": ["co-1", "co-2", "co-3"],
    "payments": ["pay-1", "pay-2", "pay-3"],
    "worker": ["wk-1", "wk-2"],
}
FORMATS = {"gateway": "access", "checkout": "java", "payments": "python", "worker": "json"}

# Rates are events per minute per host; (before, after) or a ramp handled in the generator.
GATEWAY_RPM = 220.0  # access-log lines per minute per gateway host
PAY_FAIL_TO_502 = 0.35  # share of failed charges that surface as a 502 at the gateway
MOCK_FAILURES_RPM = 9.0  # failed charges per minute per payments host after the deploy
CHARGES_RPM = 9.0  # successful charges per minute per payments host before the deploy
POOL_RAMP = (0.04, 3.0)  # pool timeouts per minute per checkout host: at the deploy .. one hour later
BAD_HOST = "co-3"
BAD_HOST_FACTOR = 4.0
RECEIPT_BUG_RPM = 1.6  # per worker host, before the deploy only (fixed in v2.4.0)
RARE_ERROR_MINUTES = (-52.0, -21.5, -6.0, 38.0)  # the rare pre-existing S3 error, relative to the deploy

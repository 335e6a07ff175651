"""Start-up objects (the geography) are frozen out of the cyclic GC in a served process."""

import gc

from shouwang.common.testing.fixtures import running_app
from shouwang.intake.config import IntakeSettings
from shouwang.intake.main import create_app


async def test_start_up_freezes_what_it_loaded_unless_switched_off(make_settings, clock):
    gc.unfreeze()
    try:
        off = create_app(make_settings(IntakeSettings), clock=clock)
        async with running_app(off) as client:
            assert (await client.get("/healthz")).status_code == 200
            assert gc.get_freeze_count() == 0, "tests keep it off (many apps, one process)"
        on = create_app(make_settings(IntakeSettings, gc_freeze_after_startup=True), clock=clock)
        async with running_app(on) as client:
            assert (await client.get("/healthz")).status_code == 200
            assert gc.get_freeze_count() > 0, "start-up objects moved to the permanent generation"
    finally:
        gc.unfreeze()

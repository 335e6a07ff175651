"""Warning service settings (the county rules are policy data: shouwang.common.policy)."""

from pydantic_settings import SettingsConfigDict
from shouwang.common.config import CommonSettings


class WarningSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="WARNING_", extra="ignore")

    service_name: str = "warning"
    max_batch_items: int = 200_000
    max_push_bytes: int = 64 * 1024 * 1024  # a JSON push; bigger batches go by file upload
    max_upload_bytes: int = 256 * 1024 * 1024  # a multipart CSV/XLSX upload, form included
    deadline_sweep_seconds: float = 30.0
    # rows of one task-list XLSX (one sheet: Excel's limit is 1,048,576 rows)
    max_export_rows: int = 1_000_000
    # the township live feed: a stream resumes within this window (tasks are kept regardless)
    feed_retention_days: int = 30
    # NOTE: routing one pushed batch stages thousands of task events at once; bigger relay
    # batches pay the claim / mark round trips fewer times per event. While routing holds the
    # event loop every await of the relay waits its turn, so a cycle costs the same whatever
    # its size: at 2,000 rows the relay trailed a province-month by 48 s, at 10,000 by 27 s
    relay_batch_size: int = 10_000

"""The topic catalogue: every topic, its partition count, key and retention, declared once."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    key: str
    retention_days: int = 30
    # False for bulk facts only projections need (audit chains the event that caused them)
    audited: bool = True

    @property
    def dlq(self) -> str:
        return f"{self.name}.dlq"


INTAKE_DECLARATIONS = Topic("intake.declarations", partitions=6, key="township_code")
# NOTE: keyed by county, not by department as DESIGN first had it: routing serialises each
# county-period (its dedup), so one county's batches belong on one consumer, and many counties
# spread evenly over the partitions. By department, the two replicas of a province-month routed
# batches of every county and waited on each other's county-period lock, and ten department keys
# hashed 6 / 4 over the two consumers (one replica did 60 % of the work): 295 -> 275 s
WARNING_BATCHES = Topic("warning.batches", partitions=6, key="county_code")
VERIFICATION_TASKS = Topic("verification.tasks", partitions=12, key="township_code")
ASSISTANCE_HOUSEHOLDS = Topic("assistance.households", partitions=6, key="household_id")
ACCESS_AUDIT = Topic("access.audit", partitions=3, key="actor", retention_days=365)
# NOTE: few events, and a service added years later rebuilds its policy projection from here
POLICY_SETTINGS = Topic("policy.settings", partitions=3, key="region_code", retention_days=3650)
# NOTE: the thresholded values of each processed batch, for policy's what-if: up to a push's
# size in items, so audit leaves it out; two push months, so a projection rebuilt from the topic
# still finds every county and department's latest filed period
WARNING_INDICATORS = Topic(
    "warning.indicators", partitions=6, key="county_code", retention_days=62, audited=False
)

TOPICS: tuple[Topic, ...] = (
    INTAKE_DECLARATIONS,
    WARNING_BATCHES,
    VERIFICATION_TASKS,
    ASSISTANCE_HOUSEHOLDS,
    ACCESS_AUDIT,
    POLICY_SETTINGS,
    WARNING_INDICATORS,
)


def all_topic_partitions() -> dict[str, int]:
    """Return every topic (DLQs included) with its partition count."""
    result: dict[str, int] = {}
    for topic in TOPICS:
        result[topic.name] = topic.partitions
        result[topic.dlq] = 1
    return result

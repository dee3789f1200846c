"""Models of the coverage app, in six modules:

- ``inputs``: participant counts, reporting months, target series and values, category bands;
- ``snapshots``: what the engine writes (snapshots, their targets) and its outbox;
- ``workflow``: validation rules and overrides, uploaded files, reminders;
- ``reports``: report jobs, monthly PDF subscriptions and their deliveries;
- ``api_keys``: the keys other systems use for the API (docs/API.md);
- ``approvals``: the admins' approval chain and the decisions taken along it (docs/ENTRY.md).

The rules that turn inputs into snapshots are in ``coverage.rules`` and docs/RULES.md.
"""

from .api_keys import APIKey
from .approvals import ApprovalActor, ApprovalDecision, ApprovalLevel, CountApproval
from .inputs import (
    COUNTED_STATUSES,
    Category,
    CategoryBand,
    CoverageSettings,
    EffectiveCount,
    EntryStatus,
    LatestDenominator,
    ParticipantCount,
    Phasing,
    ReportingPeriod,
    ReportingStatus,
    Segment,
    SeriesKind,
    Source,
    TargetSeries,
    TargetValue,
)
from .reports import JobStatus, ReportDelivery, ReportJob, ReportSubscription
from .snapshots import (
    DenominatorBasis,
    FundedWorkers,
    RecomputeRequest,
    Snapshot,
    SnapshotTarget,
    SnapshotVersion,
    SubjectLevel,
)
from .workflow import (
    FIXED_RULES,
    OVERRIDABLE_RULES,
    THRESHOLD_RULES,
    FollowUp,
    FollowUpStatus,
    ImportBatch,
    ImportKind,
    ImportStatus,
    PriorityAction,
    PriorityReason,
    ReminderKind,
    RuleCode,
    RuleOverride,
    Severity,
    SubmissionReminder,
    ValidationRule,
)

__all__ = [
    "APIKey",
    "ApprovalActor",
    "ApprovalDecision",
    "ApprovalLevel",
    "CountApproval",
    "COUNTED_STATUSES",
    "FIXED_RULES",
    "OVERRIDABLE_RULES",
    "THRESHOLD_RULES",
    "Category",
    "CategoryBand",
    "CoverageSettings",
    "DenominatorBasis",
    "EffectiveCount",
    "FundedWorkers",
    "LatestDenominator",
    "PriorityAction",
    "PriorityReason",
    "SnapshotVersion",
    "EntryStatus",
    "ImportBatch",
    "FollowUp",
    "FollowUpStatus",
    "ImportKind",
    "ImportStatus",
    "JobStatus",
    "ReportDelivery",
    "ReportJob",
    "ReportSubscription",
    "ParticipantCount",
    "Phasing",
    "RecomputeRequest",
    "ReminderKind",
    "ReportingPeriod",
    "ReportingStatus",
    "RuleCode",
    "RuleOverride",
    "Segment",
    "SeriesKind",
    "Severity",
    "Snapshot",
    "SnapshotTarget",
    "Source",
    "SubjectLevel",
    "SubmissionReminder",
    "TargetSeries",
    "TargetValue",
    "ValidationRule",
]

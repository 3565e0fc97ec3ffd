"""Media apps that answer calls: the plan executor, voicemail, the switchboard queue, feature
codes. Each works on a `vaxel.switch.call_context.CallContext`, never on SIP."""

from vaxel.switch.apps.features import FeatureApp, FeatureResult
from vaxel.switch.apps.mwi import MessageWaiting, MwiNotifier, message_summary
from vaxel.switch.apps.plan_executor import CallObserver, CallResult, FinishedCall, PlanExecutor
from vaxel.switch.apps.queue import (
    QueueCallbackRequest,
    QueueCallbacks,
    QueueError,
    QueueOutcome,
    QueueResult,
    QueueSettings,
    SwitchboardQueue,
)
from vaxel.switch.apps.queue_state import Operator, QueuedCallView, QueueState
from vaxel.switch.apps.voicemail import (
    PinStore,
    StoredVoicemail,
    VoicemailApp,
    VoicemailListener,
    VoicemailSettings,
)

__all__ = [
    "CallObserver",
    "CallResult",
    "FeatureApp",
    "FeatureResult",
    "FinishedCall",
    "MessageWaiting",
    "MwiNotifier",
    "Operator",
    "PinStore",
    "PlanExecutor",
    "QueueCallbackRequest",
    "QueueCallbacks",
    "QueueError",
    "QueueOutcome",
    "QueueResult",
    "QueueSettings",
    "QueueState",
    "QueuedCallView",
    "StoredVoicemail",
    "SwitchboardQueue",
    "VoicemailApp",
    "VoicemailListener",
    "VoicemailSettings",
    "message_summary",
]

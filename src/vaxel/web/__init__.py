"""FastAPI web app: JSON API, server-rendered pages, live events.

``create_app(db, config, call_control=…)`` builds it; see ``vaxel.web.factory``.
"""

from vaxel.web.callcontrol import (
    CallControl,
    CallControlError,
    Operator,
    QueuedCall,
    QueueSignIn,
)
from vaxel.web.factory import create_app

__all__ = [
    "CallControl",
    "CallControlError",
    "Operator",
    "QueueSignIn",
    "QueuedCall",
    "create_app",
]

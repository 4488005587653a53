"""Camera use cases: ``ingest`` (keys, frames, reads, recognition, retention) and ``hotlists``
(hotlists, matching, hits). Everything is re-exported here."""

from cameras.services.edge import *  # noqa: F401,F403
from cameras.services.health import *  # noqa: F401,F403
from cameras.services.hotlists import *  # noqa: F401,F403
from cameras.services.ingest import *  # noqa: F401,F403
from cameras.services.ingest import (  # noqa: F401  (private names used by tasks and tests)
    MAX_RECOGNITION_ATTEMPTS,
    RecognitionTransientError,
    private_storage,
)

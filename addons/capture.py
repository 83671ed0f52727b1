"""Record traffic into an API Inspector database from your own mitmdump or mitmweb.

mitmdump -s addons/capture.py --set inspector_db=PATH --set inspector_config=PATH
"""

import sys
from pathlib import Path

try:
    from inspector.capture.addon import Recorder
except ImportError:  # run from a source checkout whose package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from inspector.capture.addon import Recorder

addons = [Recorder()]

"""tb_confusion.events is tb_confusion.storage.events: this public path stays for EventWriter (README: from tb_confusion.events import EventWriter)."""

import sys

from tb_confusion.storage import events as _module

sys.modules[__name__] = _module

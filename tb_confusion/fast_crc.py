"""tb_confusion.fast_crc is tb_confusion.storage.fast_crc: this public path stays for speed_up_tensorboard_writer (README)."""

import sys

from tb_confusion.storage import fast_crc as _module

sys.modules[__name__] = _module

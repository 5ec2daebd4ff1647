"""tb_confusion.plugin is tb_confusion.server.plugin: this public path stays for ConfusionLoader (the tensorboard_plugins entry point of earlier installs)."""

import sys

from tb_confusion.server import plugin as _module

sys.modules[__name__] = _module

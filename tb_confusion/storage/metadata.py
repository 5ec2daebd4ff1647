"""The tag-constant half of the storage contract: plugin name, format version, PluginData."""

from tensorboard.compat.proto import summary_pb2

from tb_confusion import tasks
from tb_confusion.storage import _proto
from tb_confusion.errors import NewerFormat, Unreadable
from tb_confusion.tasks import NAMES as TASKS

PLUGIN_NAME = "tb_confusion"
FORMAT_VERSION = 1
DTYPES = ("float32", "float16")

FormatVersionError = NewerFormat  # the name earlier releases raised


def check_version(version, what):
    if version > FORMAT_VERSION:
        raise FormatVersionError(
            f"{what} has tb_confusion format version {version}, but this tb_confusion reads "
            f"versions up to {FORMAT_VERSION}: upgrade tb_confusion (pip install -U tb_confusion)"
        )


def create_summary_metadata(*, task, class_names, dtype, positive_class=1, description=""):
    """SummaryMetadata for a predictions tag (a BLOB_SEQUENCE: one blob per step)."""
    content = _proto.PluginData(
        version=FORMAT_VERSION,
        task=task,
        class_names=list(class_names),
        positive_class=tasks.get(task).positive_class(positive_class),
        dtype=dtype,
        num_classes=len(class_names),
    )
    return summary_pb2.SummaryMetadata(
        summary_description=description,
        plugin_data=summary_pb2.SummaryMetadata.PluginData(
            plugin_name=PLUGIN_NAME, content=content.SerializeToString()
        ),
        data_class=summary_pb2.DATA_CLASS_BLOB_SEQUENCE,
    )


def parse_plugin_data(content):
    """PluginData from `SummaryMetadata.plugin_data.content` bytes; rejects newer versions."""
    plugin_data = _proto.PluginData.FromString(content)
    check_version(plugin_data.version, "this tag's metadata")
    if plugin_data.task not in TASKS:
        raise Unreadable(f"unknown task {plugin_data.task!r} in tb_confusion metadata")
    return plugin_data

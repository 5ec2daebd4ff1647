"""The tag-constant half of the storage contract: plugin name, format version, PluginData."""

from google.protobuf.message import DecodeError
from tensorboard.compat.proto import summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

from tb_confusion import tasks
from tb_confusion.storage import _proto, class_groups as groups_format
from tb_confusion.errors import NewerFormat, Unreadable
from tb_confusion.tasks import NAMES as TASKS

PLUGIN_NAME = "tb_confusion"
FORMAT_VERSION = 3  # the newest version this tb_confusion reads (docs/format.md)
# What a writer stamps is the oldest version that can read it: exact steps stay at 2 (payloads carry a
# checksum), so readers of version 2 keep reading them; accumulated (task "segmentation") and compact
# steps are 3. Optional fields that a reader may skip without misreading the step (the ids digest, field 11;
# attributes, field 12: storage/attributes.py; PluginData's class_groups, field 7: storage/class_groups.py) add no
# version: a reader ignores fields it does not know.
EXACT_VERSION = 2
COUNTS_VERSION = COMPACT_VERSION = 3
DTYPES = ("float32", "float16")

FormatVersionError = NewerFormat  # the name earlier releases raised


def check_version(version, what):
    if version > FORMAT_VERSION:
        raise FormatVersionError(
            f"{what} has tb_confusion format version {version}, but this tb_confusion reads "
            f"versions up to {FORMAT_VERSION}: upgrade tb_confusion (pip install -U tb_confusion)"
        )


def create_summary_metadata(*, task, class_names, dtype, positive_class=1, description="",
                            version=EXACT_VERSION, class_groups=None):
    """SummaryMetadata for a predictions tag (a BLOB_SEQUENCE: one blob per step); `class_groups`: None, or
    the checked group name of each class (storage.class_groups.prepare)."""
    content = _proto.PluginData(
        version=version,
        task=task,
        class_names=list(class_names),
        positive_class=tasks.get(task).positive_class(positive_class),
        dtype=dtype,
        num_classes=len(class_names),
        class_groups=list(class_groups or ()),
    )
    return summary_pb2.SummaryMetadata(
        summary_description=description,
        plugin_data=summary_pb2.SummaryMetadata.PluginData(
            plugin_name=PLUGIN_NAME, content=content.SerializeToString()
        ),
        data_class=summary_pb2.DATA_CLASS_BLOB_SEQUENCE,
    )


def blob_summary(tag, summary_metadata, blob):
    """A Summary holding one step's `blob` under `tag`: a rank-1 DT_STRING tensor of one element, the shape
    a BLOB_SEQUENCE step has (every writer's payload, whatever its kind)."""
    tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_STRING,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)]),
        string_val=[blob])
    summary = summary_pb2.Summary()
    summary.value.add(tag=tag, metadata=summary_metadata, tensor=tensor)
    return summary


def parse_plugin_data(content):
    """PluginData from `SummaryMetadata.plugin_data.content` bytes; rejects newer versions."""
    try:
        plugin_data = _proto.PluginData.FromString(content)
    except DecodeError as error:
        raise Unreadable(f"tb_confusion metadata cannot be parsed ({error})") from None
    check_version(plugin_data.version, "this tag's metadata")
    check_plugin_data(plugin_data)
    return plugin_data


def check_plugin_data(plugin_data):
    """The tag's metadata: a known task, unique class names matching num_classes, a positive class that
    is one of the two binary classes, a storage dtype writers use, class groups that fit (or none)."""
    task = plugin_data.task
    if task not in TASKS:
        raise Unreadable(f"unknown task {task!r} in tb_confusion metadata")
    names = list(plugin_data.class_names)
    if len(names) < 2 or len(set(names)) != len(names):
        raise Unreadable(f"tb_confusion metadata needs two or more unique class names; got {names[:5]}")
    if plugin_data.num_classes not in (0, len(names)):
        raise Unreadable(f"tb_confusion metadata says {plugin_data.num_classes} classes but names {len(names)}")
    if tasks.get(task).positive_class(plugin_data.positive_class) not in (0, 1):
        raise Unreadable(f"tb_confusion metadata has positive_class {plugin_data.positive_class}; a binary tag "
                         "has classes 0 and 1")
    if plugin_data.dtype and plugin_data.dtype not in DTYPES:
        raise Unreadable(f"tb_confusion metadata has storage dtype {plugin_data.dtype!r}; expected one of {DTYPES}")
    groups_format.check_stored(plugin_data)

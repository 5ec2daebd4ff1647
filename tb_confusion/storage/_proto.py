"""Message classes for tb_confusion.proto, built at import time.

Building the descriptor here instead of shipping protoc output keeps the package free of a
generated file tied to one protobuf release; `tests/test_format.py` checks it against the .proto.
"""

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto

# (message, [(field, number, type, label, type_name)])
_SCHEMA = [
    ("PluginData", [
        ("version", 1, _F.TYPE_UINT32, _F.LABEL_OPTIONAL, None),
        ("task", 2, _F.TYPE_STRING, _F.LABEL_OPTIONAL, None),
        ("class_names", 3, _F.TYPE_STRING, _F.LABEL_REPEATED, None),
        ("positive_class", 4, _F.TYPE_UINT32, _F.LABEL_OPTIONAL, None),
        ("dtype", 5, _F.TYPE_STRING, _F.LABEL_OPTIONAL, None),
        ("num_classes", 6, _F.TYPE_UINT32, _F.LABEL_OPTIONAL, None),
        ("class_groups", 7, _F.TYPE_STRING, _F.LABEL_REPEATED, None),
    ]),
    ("Array", [
        ("dtype", 1, _F.TYPE_STRING, _F.LABEL_OPTIONAL, None),
        ("shape", 2, _F.TYPE_UINT64, _F.LABEL_REPEATED, None),
        ("data", 3, _F.TYPE_BYTES, _F.LABEL_OPTIONAL, None),
    ]),
    ("Payload", [
        ("version", 1, _F.TYPE_UINT32, _F.LABEL_OPTIONAL, None),
        ("labels", 2, _F.TYPE_MESSAGE, _F.LABEL_OPTIONAL, ".tb_confusion.Array"),
        ("probabilities", 3, _F.TYPE_MESSAGE, _F.LABEL_OPTIONAL, ".tb_confusion.Array"),
        ("weights", 4, _F.TYPE_MESSAGE, _F.LABEL_OPTIONAL, ".tb_confusion.Array"),
        ("example_ids", 5, _F.TYPE_BYTES, _F.LABEL_OPTIONAL, None),
        ("example_id_offsets", 6, _F.TYPE_MESSAGE, _F.LABEL_OPTIONAL, ".tb_confusion.Array"),
        ("checksum", 7, _F.TYPE_FIXED32, _F.LABEL_OPTIONAL, None),
        ("counts", 8, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, ".tb_confusion.NamedArray"),
        ("num_examples", 9, _F.TYPE_UINT64, _F.LABEL_OPTIONAL, None),
        ("compact", 10, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, ".tb_confusion.NamedArray"),
        ("example_ids_digest", 11, _F.TYPE_FIXED64, _F.LABEL_OPTIONAL, None),
        ("attributes", 12, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, ".tb_confusion.Attribute"),
    ]),
    ("Attribute", [
        ("name", 1, _F.TYPE_STRING, _F.LABEL_OPTIONAL, None),
        ("kind", 2, _F.TYPE_STRING, _F.LABEL_OPTIONAL, None),
        ("values", 3, _F.TYPE_STRING, _F.LABEL_REPEATED, None),
        ("codes", 4, _F.TYPE_MESSAGE, _F.LABEL_OPTIONAL, ".tb_confusion.Array"),
    ]),
    ("NamedArray", [
        ("name", 1, _F.TYPE_STRING, _F.LABEL_OPTIONAL, None),
        ("values", 2, _F.TYPE_MESSAGE, _F.LABEL_OPTIONAL, ".tb_confusion.Array"),
        ("index", 3, _F.TYPE_MESSAGE, _F.LABEL_OPTIONAL, ".tb_confusion.Array"),
        ("shape", 4, _F.TYPE_UINT64, _F.LABEL_REPEATED, None),
    ]),
    ("MediaPluginData", [
        ("version", 1, _F.TYPE_UINT32, _F.LABEL_OPTIONAL, None),
        ("predictions_tag", 2, _F.TYPE_STRING, _F.LABEL_OPTIONAL, None),
    ]),
    ("MediaItem", [
        ("id", 1, _F.TYPE_STRING, _F.LABEL_OPTIONAL, None),
        ("kind", 2, _F.TYPE_STRING, _F.LABEL_OPTIONAL, None),
        ("data", 3, _F.TYPE_BYTES, _F.LABEL_OPTIONAL, None),
    ]),
    ("MediaTable", [
        ("version", 1, _F.TYPE_UINT32, _F.LABEL_OPTIONAL, None),
        ("items", 2, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, ".tb_confusion.MediaItem"),
        ("checksum", 3, _F.TYPE_FIXED32, _F.LABEL_OPTIONAL, None),
    ]),
]


def file_descriptor_proto():
    """The FileDescriptorProto equivalent to tb_confusion.proto."""
    fd = descriptor_pb2.FileDescriptorProto(
        name="tb_confusion/tb_confusion.proto", package="tb_confusion", syntax="proto3"
    )
    for message_name, fields in _SCHEMA:
        message = fd.message_type.add(name=message_name)
        for name, number, type_, label, type_name in fields:
            field = message.field.add(
                name=name, number=number, type=type_, label=label, json_name=_camel(name)
            )
            if type_name:
                field.type_name = type_name
    return fd


def _camel(name):
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _message_classes():
    pool = descriptor_pool.DescriptorPool()
    file_descriptor = pool.Add(file_descriptor_proto())
    if file_descriptor is None:  # older protobuf returns nothing from Add
        file_descriptor = pool.FindFileByName("tb_confusion/tb_confusion.proto")
    get_class = getattr(message_factory, "GetMessageClass", None)
    if get_class is None:  # protobuf < 4.22
        get_class = message_factory.MessageFactory(pool).GetPrototype
    return {
        name: get_class(file_descriptor.message_types_by_name[name]) for name, _ in _SCHEMA
    }


_classes = _message_classes()
PluginData = _classes["PluginData"]
Array = _classes["Array"]
Payload = _classes["Payload"]
NamedArray = _classes["NamedArray"]
Attribute = _classes["Attribute"]
MediaPluginData = _classes["MediaPluginData"]
MediaItem = _classes["MediaItem"]
MediaTable = _classes["MediaTable"]

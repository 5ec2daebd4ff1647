"""The bytes on disk: tag metadata, the per-step payload, event files, and the checks writers run first.

metadata (PluginData: tag-constant facts, format version), payload (Record and its encode/decode),
wire (a zero-copy protobuf walk), events (a TF-free event file writer and record reader), fast_crc,
validation (writer-side argument checks). The schema is tb_confusion/tb_confusion.proto. No TensorFlow.
"""

"""Just enough of the protobuf wire format to find large byte fields without copying them.

The protobuf runtime copies every bytes field it parses (an event record, its tensor, the payload,
each array: five copies of a 40 MB step). Walking the wire format instead gives offsets into the one
buffer we already hold, so numpy can view the arrays in place.
"""

VARINT, FIXED64, LENGTH_DELIMITED, FIXED32 = 0, 1, 2, 5


def fields(buffer, start=0, stop=None):
    """Yield (field number, wire type, value) for each field in buffer[start:stop].

    value is an int for varints, and a (start, stop) range into `buffer` otherwise.
    """
    stop = len(buffer) if stop is None else stop
    position = start
    while position < stop:
        key, position = varint(buffer, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == VARINT:
            value, position = varint(buffer, position)
        elif wire_type == LENGTH_DELIMITED:
            length, position = varint(buffer, position)
            value = (position, position + length)
            position += length
        elif wire_type in (FIXED64, FIXED32):
            size = 8 if wire_type == FIXED64 else 4
            value = (position, position + size)
            position += size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire_type} at byte {position}")
        if position > stop:
            raise ValueError("truncated protobuf message")
        yield number, wire_type, value


def varint(buffer, position):
    """(value, position after it) of the base-128 varint at `position`."""
    result = shift = 0
    while True:
        if position >= len(buffer) or shift > 63:
            raise ValueError("truncated or overlong protobuf varint")
        byte = buffer[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, position
        shift += 7


def packed_varints(buffer, start, stop):
    """The values of a packed repeated varint field occupying buffer[start:stop]."""
    values, position = [], start
    while position < stop:
        value, position = varint(buffer, position)
        values.append(value)
    return values


def field_spans(buffer):
    """Yield (field number, start, stop) of each top-level field: its bytes from key to end of value."""
    position = 0
    stop = len(buffer)
    while position < stop:
        start = position
        key, position = varint(buffer, position)
        wire_type = key & 7
        if wire_type == VARINT:
            _, position = varint(buffer, position)
        elif wire_type == LENGTH_DELIMITED:
            length, position = varint(buffer, position)
            position += length
        elif wire_type in (FIXED64, FIXED32):
            position += 8 if wire_type == FIXED64 else 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire_type} at byte {position}")
        if position > stop:
            raise ValueError("truncated protobuf message")
        yield key >> 3, start, position

"""Checkpoint file layouts the fixture scripts write by hand (tests/weights, tests/hostile)."""
import io
import pickle
import struct

LEGACY_MAGIC = 0x1950a86a20f9469cfc6c
LEGACY_PROTOCOL = 1001


def legacy_bytes(pickled, storages, magic=LEGACY_MAGIC, protocol=LEGACY_PROTOCOL):
    """The legacy (pre-1.6) layout: magic, protocol version, sys_info, object pickle, key list, then (numel, bytes)
    per key of `storages` [(key, numel, data)]. `magic` and `protocol` may be wrong on purpose."""
    out = io.BytesIO()
    out.write(pickle.dumps(magic, protocol=2))
    out.write(pickle.dumps(protocol, protocol=2))
    out.write(pickle.dumps({"protocol_version": protocol, "little_endian": True,
                            "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2))
    out.write(pickled)
    out.write(pickle.dumps([key for key, _, _ in storages], protocol=2))
    for _, numel, data in storages:
        out.write(struct.pack("<q", numel))
        out.write(data)
    return out.getvalue()

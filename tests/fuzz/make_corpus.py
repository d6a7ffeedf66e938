#!/usr/bin/env python3
"""Seed corpora for the libFuzzer targets, built from lines of the real shards.

    python3 tests/fuzz/make_corpus.py SAMPLE_DIR OUT_DIR

SAMPLE_DIR is the trace sample (clusterdata-2011-2-sample: machine_events,
job_events, task_events); the three tables it lacks get the few literal seed
lines below. Writes OUT_DIR/block_parser_fuzz/ (inputs: table byte, 4 bytes of
column mask, policy byte, CSV text) and OUT_DIR/gzip_shard_fuzz/ (.csv.gz
files: one member, several members, truncated, bit-flipped, trailing garbage,
header fields). Deterministic: the same sample gives the same seeds.
"""
import gzip
import hashlib
import itertools
import os
import random
import struct
import sys
import zlib

# In kAllTables order (src/trace/schema.h): the table byte of a parser input.
TABLES = ["machine_events", "machine_attributes", "job_events", "task_events",
          "task_constraints", "task_usage"]
COLUMNS = [6, 5, 8, 13, 6, 20]
# Without the sample (SAMPLE_DIR missing), its tables are seeded from these.
FALLBACK_LINES = {
    "machine_events": [b"0,5,0,HofLGzk7ZQ==,0.5,0.2493", b"835150655,6,2,HofLGzk7ZQ==,,",
                       b"2349468286,1436333635,1,70ZOvysYGtB6j9MUHMPzA2Iy7GRzWeJTdX0YCLRKGVg=,1,1"],
    "job_events": [b"0,2,3418309,0,70s3v5qRyCO=,3,IHgtoxEBuUTHNbUeVs4hzptMY4n8rZKLbZg+Jh5fNG4=,wAmgn2H74cdoMuSFwJF3NaUEaudVBTZ0/HaNZBwIpEQ=",
                   b"5611824441,,6251812952,1,ypV1sdwGrm4=,2,,"],
    "task_events": [b"0,2,3418309,0,4155527081,0,70s3v5qRyCO=,3,9,,,,",
                    b"5611824441,,6251812952,1761,6486632288,1,user,0,11,0.125,3.815e-05,0.0004244,1"],
}
# Lines in the format of the tables the sample does not have (task_usage's
# from Google's schema; the others hand-made, with every field kind).
LITERAL_LINES = {
    "machine_attributes": [
        b"0,5,GHNq1gS2OOgPOe8Z4U1eQ7qUD5VILE6BjMPK9nOR7ZU=,1,0",
        b"0,5,Kh/bzK2f0XVFMVsntmGSl8qMmWgUnEUcjXCyl2LlDpc=,SHm7m4UU0F6IA0hGp6jDyhJPJxeKYQ7HSFe5zVLeIwk=,0",
        b"9845356911,6,GHNq1gS2OOgPOe8Z4U1eQ7qUD5VILE6BjMPK9nOR7ZU=,,1",
    ],
    "task_constraints": [
        b"5611824441,6251812952,0,1,GHNq1gS2OOgPOe8Z4U1eQ7qUD5VILE6BjMPK9nOR7ZU=,",
        b"5611824441,6251812952,3,2,Kh/bzK2f0XVFMVsntmGSl8qMmWgUnEUcjXCyl2LlDpc=,2",
        b"0,3418309,1,0,GHNq1gS2OOgPOe8Z4U1eQ7qUD5VILE6BjMPK9nOR7ZU=,SHm7m4UU0F6IA0hGp6jDyhJPJxeKYQ7HSFe5zVLeIwk=",
    ],
    "task_usage": [
        b"600000000,900000000,3418309,0,4155527081,0.001562,0.06787,0.07568,0.001156,0.001503,"
        b"0.06787,2.861e-06,0.0001869,0.03967,0.0003567,2.445,0.007243,0,1,0",
        b"600000000,900000000,3418309,1,329150663,0.001568,0.06787,0.07556,0.0013,0.001614,"
        b"0.06787,3.624e-06,0.0001879,0.03302,0.0009289,,,0,1,0",
        b"900000000,1200000000,6251812952,12,1094182,0.5,,,,,,,,,,,,1,0,",
    ],
}


def sample_lines(sample_dir, table, count):
    shards = sorted(os.listdir(os.path.join(sample_dir, table)))
    with gzip.open(os.path.join(sample_dir, table, shards[0]), "rb") as shard:
        # Spread over the shard: its start, and a stride through the rest.
        lines = [line.rstrip(b"\n") for line in itertools.islice(shard, 200000)]
    step = max(1, len(lines) // count)
    return lines[::step][:count]


def write(directory, data):
    os.makedirs(directory, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(directory, name), "wb") as seed:
        seed.write(data)


def gzip_member(data, **header):
    """A gzip member; header may ask for FNAME, FCOMMENT, FEXTRA or FHCRC."""
    flags = 0
    extra = b""
    if "extra" in header:
        flags |= 4
        extra += struct.pack("<H", len(header["extra"])) + header["extra"]
    if "name" in header:
        flags |= 8
        extra += header["name"] + b"\0"
    if "comment" in header:
        flags |= 16
        extra += header["comment"] + b"\0"
    head = b"\x1f\x8b\x08" + bytes([flags]) + b"\0\0\0\0\0\xff" + extra
    if header.get("hcrc"):
        head = head[:3] + bytes([flags | 2]) + head[4:]
        head += struct.pack("<H", zlib.crc32(head) & 0xFFFF)
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = compressor.compress(data) + compressor.flush()
    return head + body + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def main():
    sample_dir, out_dir = sys.argv[1], sys.argv[2]
    rng = random.Random(17)
    lines = {}
    for table in TABLES:
        if table in LITERAL_LINES:
            lines[table] = LITERAL_LINES[table]
        elif not os.path.isdir(os.path.join(sample_dir, table)):
            print(f"make_corpus: no {table} in {sample_dir}: literal seed lines only",
                  file=sys.stderr)
            lines[table] = FALLBACK_LINES[table]
        else:
            lines[table] = sample_lines(sample_dir, table, 40)

    parser_dir = os.path.join(out_dir, "block_parser_fuzz")
    for index, table in enumerate(TABLES):
        all_columns = (1 << COLUMNS[index]) - 1
        table_lines = lines[table]
        for start in range(0, len(table_lines), 4):
            text = b"\n".join(table_lines[start:start + 1 + start % 4]) + b"\n"
            for mask in (all_columns, rng.getrandbits(COLUMNS[index])):
                for skip in (0, 1):
                    write(parser_dir, bytes([index]) + struct.pack("<I", mask) + bytes([skip]) + text)
        # Carriage returns, a last line without newline, a bad row.
        text = b"\r\n".join(table_lines[:3]) + b"\n" + table_lines[0][:-1] + b"x\n" + table_lines[1]
        write(parser_dir, bytes([index]) + struct.pack("<I", all_columns) + b"\1" + text)

    gzip_dir = os.path.join(out_dir, "gzip_shard_fuzz")
    for index, table in enumerate(TABLES):
        text = b"\n".join(lines[table][:12]) + b"\n"
        one = gzip_member(text)
        write(gzip_dir, one)
        half = len(text) // 2
        write(gzip_dir, gzip_member(text[:half]) + gzip_member(text[half:]))  # multi-member
        write(gzip_dir, one + gzip_member(b""))  # an empty member at the end
        write(gzip_dir, one[: len(one) - 5])  # truncated in the trailer
        write(gzip_dir, one[: len(one) // 2])  # truncated in the deflate stream
        flipped = bytearray(one)
        flipped[len(one) // 2] ^= 0x10
        write(gzip_dir, bytes(flipped))  # a flipped bit
        write(gzip_dir, one + b"trailing garbage\n")
        write(gzip_dir, one + b"\0" * 8)  # zero padding, as some tape copies have
        write(gzip_dir, gzip_member(text, name=b"part-00000-of-00001.csv", comment=b"c",
                                    extra=b"AB\2\0xy", hcrc=True))
    # Lines crossing ShardReader's 256 KB window edges: ~600 KB of real
    # lines of each sample table (compressed, a few KB), in one member and
    # split into two members in the middle of a line.
    for table in ("machine_events", "job_events", "task_events"):
        block = b"\n".join(lines[table]) + b"\n"
        text = block * (600 * 1024 // len(block) + 1)
        write(gzip_dir, gzip_member(text))
        cut = len(text) // 2 + 7
        write(gzip_dir, gzip_member(text[:cut]) + gzip_member(text[cut:]))
    # A line longer than ShardReader's window (256 KB), compressed small.
    write(gzip_dir, gzip_member(b"1," * 140000 + b"\n"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

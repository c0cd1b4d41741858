#!/usr/bin/env python3
"""Host-side helper of tests/qemu/attest-tests.sh: reads and rewrites an
ima-sig binary measurement log (IMA's binary_runtime_measurements layout,
little-endian), independently of cmattest.

  attest-log.py list LOG              one line per entry: index pcr path sig-len
  attest-log.py replay LOG [PCR]      the sha256 bank value the log extends PCR to
  attest-log.py aggregate PCRS LOG    "ok" when entry 0 is boot_aggregate over
                                      PCRs 0-7 of PCRS ("N HEX" lines)
  attest-log.py mutate LOG OUT OP I   OP: digest (flip a digest byte of entry I),
                                      digest-rehash (same, template digest
                                      recomputed), remove (drop entry I),
                                      swap (entries I and I+1)
Exit status 1 with a message naming the cause on a malformed log.
"""
import hashlib
import struct
import sys


def die(msg):
    print("attest-log: " + msg, file=sys.stderr)
    sys.exit(1)


def u32(b, off, what):
    if off + 4 > len(b):
        die(f"truncated at byte {off}: {what}")
    return struct.unpack_from("<I", b, off)[0]


def parse(buf):
    """Entries as dicts: pcr, tdigest, name, data, fields (d-ng, n-ng, sig)."""
    out, off = [], 0
    while off < len(buf):
        pcr = u32(buf, off, "pcr")
        tdig = buf[off + 4:off + 24]
        nlen = u32(buf, off + 24, "name length")
        if nlen > 255:
            die(f"entry {len(out)}: template name length {nlen}")
        name = buf[off + 28:off + 28 + nlen]
        p = off + 28 + nlen
        dlen = u32(buf, p, "template data length")
        data = buf[p + 4:p + 4 + dlen]
        if len(data) != dlen:
            die(f"entry {len(out)}: template data truncated")
        fields, q = [], 0
        while q < dlen:
            flen = u32(data, q, "field length")
            fields.append(data[q + 4:q + 4 + flen])
            q += 4 + flen
        if q != dlen or len(fields) != 3:
            die(f"entry {len(out)}: {len(fields)} fields, not d-ng|n-ng|sig")
        out.append(dict(pcr=pcr, tdigest=tdig, name=name, data=data,
                        fields=fields))
        off = p + 4 + dlen
    return out


def build(entries):
    b = b""
    for e in entries:
        b += struct.pack("<I", e["pcr"]) + e["tdigest"]
        b += struct.pack("<I", len(e["name"])) + e["name"]
        b += struct.pack("<I", len(e["data"])) + e["data"]
    return b


def data_of(fields):
    return b"".join(struct.pack("<I", len(f)) + f for f in fields)


def path(e):
    return e["fields"][1].rstrip(b"\0").decode(errors="replace")


def digest(e):
    d = e["fields"][0]
    return d[d.index(b":\0") + 2:]


def main(a):
    if len(a) < 2:
        die("usage: see the header of this file")
    if a[0] == "aggregate":
        pcrs = dict(l.split() for l in open(a[1]).read().split("\n") if l)
        ents = parse(open(a[2], "rb").read())
        h = hashlib.sha256(b"".join(bytes.fromhex(pcrs[str(i)]) for i in range(8)))
        ok = path(ents[0]) == "boot_aggregate" and digest(ents[0]) == h.digest()
        print("ok" if ok else f"entry 0 is {path(ents[0])} {digest(ents[0]).hex()}, want {h.hexdigest()}")
        return
    ents = parse(open(a[1], "rb").read())
    if a[0] == "list":
        for i, e in enumerate(ents):
            print(i, e["pcr"], path(e), len(e["fields"][2]))
    elif a[0] == "replay":
        pcr = int(a[2]) if len(a) > 2 else 11
        v = bytes(32)
        for e in ents:
            if e["pcr"] == pcr:
                v = hashlib.sha256(v + hashlib.sha256(e["data"]).digest()).digest()
        print(v.hex())
    elif a[0] == "mutate":
        out, op, i = a[2], a[3], int(a[4])
        if op in ("digest", "digest-rehash"):
            f = list(ents[i]["fields"])
            f[0] = f[0][:-1] + bytes([f[0][-1] ^ 1])
            ents[i]["fields"] = f
            ents[i]["data"] = data_of(f)
            if op == "digest-rehash":
                ents[i]["tdigest"] = hashlib.sha1(ents[i]["data"]).digest()
        elif op == "remove":
            del ents[i]
        elif op == "swap":
            ents[i], ents[i + 1] = ents[i + 1], ents[i]
        else:
            die("unknown operation " + op)
        open(out, "wb").write(build(ents))
    else:
        die("unknown command " + a[0])


main(sys.argv[1:])

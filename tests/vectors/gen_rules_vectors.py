#!/usr/bin/env python3
"""Writes tests/vectors/rules/*.txt and rules/index.txt: rule-set texts
(docs/FORMAT-rules.md) and the exact result each parser (libcryptomark's
and the LSM's rules_parse.c) must give.  index.txt columns: file, errno
name (0: accepted), the parser's reason (refusals) or a description."""
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rules")
U = "0b8e7f10-4c2a-4f6e-9d1b-2a3c4d5e6f70"
U2 = "1b8e7f10-4c2a-4f6e-9d1b-2a3c4d5e6f70"

V = [
    # accepted
    ("ok-minimal", b"version 1\n", "0", "version line only: the default rules"),
    ("ok-full", b"# a comment\nversion 42\nop exec enforce\nop module audit key 1a2b3c4d\n"
     b"op firmware off\nop kexec enforce key 1A2B3C4D,deadbeef\n"
     b"fs " + U.encode() + b" exec,mmap,mprotect,check\n", "0", "every directive"),
    ("ok-no-newline", b"version 7", "0", "last line without a newline"),
    ("ok-blank-lines", b"\n\n  \t\nversion 3\n\n", "0", "blank and white-space lines"),
    ("ok-trailing-comment", b"version 3 # three\nop exec audit   # audit\n", "0", "comment after a rule"),
    ("ok-max-version", b"version 18446744073709551615\n", "0", "version 2^64-1"),
    ("ok-key-any", b"version 1\nop mmap enforce key any\n", "0", "key any"),
    ("ok-16-keys", b"version 1\nop exec enforce key " +
     b",".join(b"%08x" % (i + 1) for i in range(16)) + b"\n", "0", "16 key ids"),
    ("ok-64-fs", b"version 1\n" + b"".join(
        b"fs %08x-0000-0000-0000-000000000000 exec\n" % (i + 1) for i in range(64)),
     "0", "64 fs rules"),
    # refused
    ("empty", b"", "ENODATA", "no version line"),
    ("comments-only", b"# nothing\n\n", "ENODATA", "no version line"),
    ("version-zero", b"version 0\n", "ERANGE", "version 0 is the compiled-in default"),
    ("version-overflow", b"version 18446744073709551616\n", "ERANGE", "version over 2^64-1"),
    ("version-leading-zero", b"version 07\n", "EBADMSG", "version has a leading zero"),
    ("version-sign", b"version +7\n", "EBADMSG", "version is not a number"),
    ("version-hex", b"version 0x10\n", "EBADMSG", "version has a leading zero"),
    ("version-twice", b"version 1\nversion 2\n", "EEXIST", "second version line"),
    ("version-missing-number", b"version\n", "EBADMSG", "version: one number expected"),
    ("version-two-numbers", b"version 1 2\n", "EBADMSG", "version: one number expected"),
    ("rule-before-version", b"op exec enforce\nversion 1\n", "EBADMSG", "a rule before the version line"),
    ("unknown-directive", b"version 1\nallow all\n", "EBADMSG", "unknown directive"),
    ("directive-case", b"VERSION 1\n", "EBADMSG", "a rule before the version line"),
    ("op-unknown", b"version 1\nop ptrace enforce\n", "EBADMSG", "unknown operation"),
    ("op-mode-unknown", b"version 1\nop exec deny\n", "EBADMSG", "unknown mode"),
    ("op-missing-mode", b"version 1\nop exec\n", "EBADMSG", "op: OP MODE [key KEYS] expected"),
    ("op-four-fields", b"version 1\nop exec enforce key\n", "EBADMSG", "op: OP MODE [key KEYS] expected"),
    ("op-not-key", b"version 1\nop exec enforce with 1a2b3c4d\n", "EBADMSG", "op: 'key' expected after the mode"),
    ("op-twice", b"version 1\nop exec enforce\nop exec audit\n", "EEXIST", "operation has a rule already"),
    ("key-short", b"version 1\nop exec enforce key 1a2b3c4\n", "EBADMSG", "key id is not 8 hex digits"),
    ("key-long", b"version 1\nop exec enforce key 1a2b3c4d5\n", "EBADMSG", "key id is not 8 hex digits"),
    ("key-nonhex", b"version 1\nop exec enforce key 1a2b3c4g\n", "EBADMSG", "key id is not 8 hex digits"),
    ("key-trailing-comma", b"version 1\nop exec enforce key 1a2b3c4d,\n", "EBADMSG", "key id is not 8 hex digits"),
    ("key-0x", b"version 1\nop exec enforce key 0x1a2b3c\n", "EBADMSG", "key id is not 8 hex digits"),
    ("key-twice", b"version 1\nop exec enforce key 1a2b3c4d,1A2B3C4D\n", "EEXIST", "key id twice"),
    ("key-17", b"version 1\nop exec enforce key " +
     b",".join(b"%08x" % (i + 1) for i in range(17)) + b"\n", "E2BIG", "more than 16 key ids"),
    ("fs-short-uuid", b"version 1\nfs 0b8e7f10 exec\n", "EBADMSG", "UUID is not 36 characters"),
    ("fs-uuid-dash", b"version 1\nfs 0b8e7f104-c2a-4f6e-9d1b-2a3c4d5e6f70 exec\n", "EBADMSG", "UUID dash misplaced"),
    ("fs-uuid-nonhex", b"version 1\nfs 0b8e7f10-4c2a-4f6e-9d1b-2a3c4d5e6fz0 exec\n", "EBADMSG", "UUID has a non-hex digit"),
    ("fs-nil-uuid", b"version 1\nfs 00000000-0000-0000-0000-000000000000 exec\n", "EBADMSG", "nil UUID"),
    ("fs-no-ops", b"version 1\nfs " + U.encode() + b"\n", "EBADMSG", "fs: UUID OPS expected"),
    ("fs-unknown-op", b"version 1\nfs " + U.encode() + b" exec,ptrace\n", "EBADMSG", "unknown operation in list"),
    ("fs-empty-op", b"version 1\nfs " + U.encode() + b" exec,,mmap\n", "EBADMSG", "unknown operation in list"),
    ("fs-trailing-comma", b"version 1\nfs " + U.encode() + b" exec,\n", "EBADMSG", "unknown operation in list"),
    ("fs-op-twice", b"version 1\nfs " + U.encode() + b" exec,mmap,exec\n", "EEXIST", "operation twice in list"),
    ("fs-uuid-twice", b"version 1\nfs " + U.encode() + b" exec\nfs " + U.upper().encode() + b" mmap\n",
     "EEXIST", "fs UUID has a rule already"),
    ("fs-65", b"version 1\n" + b"".join(
        b"fs %08x-0000-0000-0000-000000000000 exec\n" % (i + 1) for i in range(65)),
     "E2BIG", "more than 64 fs rules"),
    ("too-many-fields", b"version 1\nop exec enforce key any x y\n", "EBADMSG", "too many fields"),
    ("nul-byte", b"version 1\nop exec\0 enforce\n", "EILSEQ", "byte not printable ASCII or tab"),
    ("cr-lf", b"version 1\r\n", "EILSEQ", "byte not printable ASCII or tab"),
    ("utf8", "version 1\n# r\u00e8gle\n".encode(), "EILSEQ", "byte not printable ASCII or tab"),
    ("high-byte-in-rule", b"version 1\nop exec\xa0enforce\n", "EILSEQ", "byte not printable ASCII or tab"),
    ("line-257", b"version 1\n#" + b"x" * 256 + b"\n", "E2BIG", "line over 256 bytes"),
    ("text-65537", b"version 1\n" + (b"#" + b"x" * 254 + b"\n") * 255 + b"#" * 247,
     "E2BIG", "policy text over 65536 bytes"),
]


def main():
    os.makedirs(HERE, exist_ok=True)
    for f in os.listdir(HERE):
        os.remove(os.path.join(HERE, f))
    with open(os.path.join(HERE, "index.txt"), "w") as idx:
        idx.write("# file\terrno\twhy  (generated by ../gen_rules_vectors.py)\n")
        for name, data, err, why in V:
            with open(os.path.join(HERE, name + ".txt"), "wb") as f:
                f.write(data)
            idx.write("%s.txt\t%s\t%s\n" % (name, err, why))


main()

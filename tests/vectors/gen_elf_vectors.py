#!/usr/bin/env python3
"""Writes tests/vectors/elf/*.elf and elf/index.txt: small ELF files, good
and hostile, for the .note.cryptomark parser (libcryptomark's elfnote.c and
the kernel LSM's).  index.txt columns: file, errno name, why ("-" for
none): what cm_note_verify_fd() returns with an EMPTY trust store.  ENOKEY
therefore means "note and descriptor well-formed" (the keyid is trusted by
nobody); every other value is a refusal before any key is looked at.

The files are synthetic so that all four class/byte-order combinations are
covered on an x86_64 machine: ehdr, one PT_LOAD over ehdr+phdrs+.text, an
allocated GNU note, a non-allocated .comment, .note.cryptomark, .shstrtab,
the section header table last.  Mutations patch fields by name."""
import os
import struct
import sys

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "elf")

SHT_PROGBITS, SHT_STRTAB, SHT_NOTE, SHT_NOBITS = 1, 3, 7, 8
SHF_ALLOC, SHF_EXECINSTR = 2, 4
CM_TYPE = 0x434D0001

EH = {  # field: (offset32, size32, offset64, size64)
    "e_type": (16, 2, 16, 2), "e_machine": (18, 2, 18, 2),
    "e_version": (20, 4, 20, 4), "e_entry": (24, 4, 24, 8),
    "e_phoff": (28, 4, 32, 8), "e_shoff": (32, 4, 40, 8),
    "e_flags": (36, 4, 48, 4), "e_ehsize": (40, 2, 52, 2),
    "e_phentsize": (42, 2, 54, 2), "e_phnum": (44, 2, 56, 2),
    "e_shentsize": (46, 2, 58, 2), "e_shnum": (48, 2, 60, 2),
    "e_shstrndx": (50, 2, 62, 2),
}
SH = {
    "sh_name": (0, 4, 0, 4), "sh_type": (4, 4, 4, 4),
    "sh_flags": (8, 4, 8, 8), "sh_addr": (12, 4, 16, 8),
    "sh_offset": (16, 4, 24, 8), "sh_size": (20, 4, 32, 8),
    "sh_link": (24, 4, 40, 4), "sh_info": (28, 4, 44, 4),
    "sh_addralign": (32, 4, 48, 8), "sh_entsize": (36, 4, 56, 8),
}
PH = {
    "p_type": (0, 4, 0, 4), "p_flags": (24, 4, 4, 4),
    "p_offset": (4, 4, 8, 8), "p_vaddr": (8, 4, 16, 8),
    "p_paddr": (12, 4, 24, 8), "p_filesz": (16, 4, 32, 8),
    "p_memsz": (20, 4, 40, 8), "p_align": (28, 4, 48, 8),
}


def sig_desc(algo=4, size=256, fill=0x5A, version=2, typ=3, total=1024):
    d = struct.pack(">BBBIH", typ, version, algo, 0x1A2B3C4D, size)
    d += bytes([fill]) * min(size, total - len(d))
    return d + b"\0" * (total - len(d))


class Elf:
    def __init__(self, is64=True, msb=False, note=True, desc=None,
                 extra_notes=0, gnu_owner=b"GNU\0", note_tail=b""):
        self.is64, self.msb = is64, msb
        self.e = ">" if msb else "<"
        self.ehsize, self.phent, self.shent = (64, 56, 64) if is64 else (52, 32, 40)
        self.secs = []  # [name, type, flags, align, data]
        text = b"\x90" * 64
        gnu = self.note(gnu_owner, 3, b"\xAB" * 20)
        self.secs.append([".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 16, text])
        self.secs.append([".note.gnu.build-id", SHT_NOTE, SHF_ALLOC, 4, gnu])
        self.secs.append([".comment", SHT_PROGBITS, 0, 1, b"cryptomark test vector\0"])
        for _ in range(int(note) + extra_notes):
            self.secs.append([".note.cryptomark", SHT_NOTE, 0, 4,
                              self.note(b"CryptoMark\0", CM_TYPE,
                                        desc if desc is not None else sig_desc())
                              + note_tail])
        self.secs.append([".shstrtab", SHT_STRTAB, 0, 1, None])

    def note(self, name, typ, desc):
        pad = lambda b: b + b"\0" * (-len(b) % 4)
        return struct.pack(self.e + "III", len(name), len(desc), typ) + pad(name) + pad(desc)

    def build(self):
        names = b"\0"
        idx = {}
        for s in self.secs:
            if s[0] not in idx:
                idx[s[0]] = len(names)
                names += s[0].encode() + b"\0"
        self.secs[-1][4] = names
        out = bytearray(self.ehsize + self.phent)
        self.off = {}
        layout = []
        for i, s in enumerate(self.secs, 1):
            while len(out) % s[3]:
                out += b"\0"
            layout.append((i, len(out)))
            out += s[4]
        # PT_LOAD: from byte 0 to the end of the allocated GNU note
        self.load_end = layout[1][1] + len(self.secs[1][4])
        while len(out) % 8:
            out += b"\0"
        self.shoff = len(out)
        out += bytearray(self.shent * (len(self.secs) + 1))
        self.buf = out
        self.layout = dict(layout)
        ident = b"\x7fELF" + bytes([2 if self.is64 else 1, 2 if self.msb else 1, 1]) + b"\0" * 9
        out[0:16] = ident
        for k, v in (("e_type", 3), ("e_machine", 62 if self.is64 else 3),
                     ("e_version", 1), ("e_phoff", self.ehsize),
                     ("e_shoff", self.shoff), ("e_ehsize", self.ehsize),
                     ("e_phentsize", self.phent), ("e_phnum", 1),
                     ("e_shentsize", self.shent),
                     ("e_shnum", len(self.secs) + 1),
                     ("e_shstrndx", len(self.secs))):
            self.eh(k, v)
        for k, v in (("p_type", 1), ("p_flags", 5), ("p_offset", 0),
                     ("p_filesz", self.load_end), ("p_memsz", self.load_end),
                     ("p_align", 0x1000)):
            self.ph(k, v)
        for i, s in enumerate(self.secs, 1):
            self.sh(i, "sh_name", idx[s[0]])
            self.sh(i, "sh_type", s[1])
            self.sh(i, "sh_flags", s[2])
            self.sh(i, "sh_offset", self.layout[i])
            self.sh(i, "sh_size", len(s[4]))
            self.sh(i, "sh_addralign", s[3])
            if s[2] & SHF_ALLOC:
                self.sh(i, "sh_addr", self.layout[i])
        return self

    def _put(self, table, base, field, value):
        o32, s32, o64, s64 = table[field]
        o, s = (o64, s64) if self.is64 else (o32, s32)
        fmt = {2: "H", 4: "I", 8: "Q"}[s]
        struct.pack_into(self.e + fmt, self.buf, base + o, value & ((1 << (8 * s)) - 1))

    def eh(self, field, value):
        self._put(EH, 0, field, value)

    def ph(self, field, value):
        self._put(PH, self.ehsize, field, value)

    def sh(self, i, field, value):
        self._put(SH, self.shoff + i * self.shent, field, value)

    def sec(self, name):
        return [i for i, s in enumerate(self.secs, 1) if s[0] == name][0]

    def note_off(self):
        return self.layout[self.sec(".note.cryptomark")]

    def bytes(self):
        return bytes(self.buf)


V = []


def vec(name, data, err, why="-"):
    V.append((name + ".elf", data, err, why))


def E(**kw):
    return Elf(**kw).build()


for is64 in (True, False):
    for msb in (False, True):
        tag = ("64" if is64 else "32") + ("msb" if msb else "lsb")
        vec("ok-" + tag, E(is64=is64, msb=msb).bytes(), "ENOKEY")
        vec("unsigned-" + tag, E(is64=is64, msb=msb, note=False).bytes(),
            "ENODATA", "no .note.cryptomark section")

good = E().bytes()
vec("ok-trailing-bytes", good + b"appended data", "ENOKEY")
for algo, tag in ((5, "sha384"), (6, "sha512")):
    vec("ok-" + tag, E(desc=sig_desc(algo=algo, size=512)).bytes(), "ENOKEY")
vec("ok-sig-max-512", E(desc=sig_desc(size=512)).bytes(), "ENOKEY")

e = E(note=False)
e.eh("e_shoff", 0); e.eh("e_shnum", 0); e.eh("e_shstrndx", 0)
vec("no-section-table", e.bytes(), "ENODATA", "no .note.cryptomark section")
e = E(note=False)
e.eh("e_shstrndx", 0)
vec("no-name-table", e.bytes(), "ENODATA", "no .note.cryptomark section")

vec("not-elf-text", b"#!/bin/sh\necho hello\n", "ENOEXEC", "not an ELF file")
vec("not-elf-empty", b"", "ENOEXEC", "not an ELF file")
vec("not-elf-3-bytes", b"\x7fEL", "ENOEXEC", "not an ELF file")
vec("truncated-ident", good[:10], "EBADMSG", "truncated ELF identification")
vec("truncated-ehdr", good[:40], "EBADMSG", "truncated ELF header")
vec("truncated-half", good[:len(good) // 2], "ERANGE",
    "section header table past end of file")
vec("truncated-last-byte", good[:-1], "ERANGE",
    "section header table past end of file")


def mut(name, err, why, fn, **kw):
    e = E(**kw)
    fn(e)
    vec(name, e.bytes(), err, why)


def setb(off, val):
    def f(e):
        e.buf[off] = val
    return f


mut("bad-class", "EBADMSG", "bad ELF class", setb(4, 3))
mut("bad-byte-order", "EBADMSG", "bad ELF byte order", setb(5, 0))
mut("bad-ident-version", "EBADMSG", "bad ELF identification version", setb(6, 2))
mut("bad-version", "EBADMSG", "bad ELF version", lambda e: e.eh("e_version", 2))
mut("bad-ehsize", "EBADMSG", "e_ehsize does not match the ELF class",
    lambda e: e.eh("e_ehsize", 52))
mut("class32-as-64", "EBADMSG", "e_ehsize does not match the ELF class",
    setb(4, 2), is64=False)
mut("shoff-past-eof", "ERANGE", "section header table past end of file",
    lambda e: e.eh("e_shoff", len(e.buf) + 64))
mut("shoff-overflow", "EOVERFLOW", "section header table past end of file",
    lambda e: e.eh("e_shoff", 0xFFFFFFFFFFFFFFF0))
mut("shoff-overflow-32", "ERANGE", "section header table past end of file",
    lambda e: e.eh("e_shoff", 0xFFFFFFF0), is64=False)
mut("shentsize-wrong", "EBADMSG", "e_shentsize does not match the ELF class",
    lambda e: e.eh("e_shentsize", 40))
mut("shnum-past-eof", "ERANGE", "section header table past end of file",
    lambda e: e.eh("e_shnum", 200))
mut("counts-without-table", "EBADMSG", "section counts without a section table",
    lambda e: e.eh("e_shoff", 0))


def ext_huge(e):
    e.eh("e_shnum", 0)
    e.sh(0, "sh_size", 1 << 21)


# Beyond a limit: no note can be looked for, so none is found (the
# security.ima carrier decides); docs/FORMAT-note.md, "Parsing limits".
mut("shnum-enormous", "ENODATA", "too many sections to look for a note", ext_huge)


def ext_ok(e):
    n = len(e.secs) + 1
    e.eh("e_shnum", 0)
    e.sh(0, "sh_size", n)
    e.eh("e_shstrndx", 0xFFFF)
    e.sh(0, "sh_link", n - 1)


mut("ok-extended-numbering", "ENOKEY", "-", ext_ok)
mut("empty-extended-table", "EBADMSG", "section table without sections",
    lambda e: e.eh("e_shnum", 0))
mut("sh0-not-null", "EBADMSG", "section 0 is not SHT_NULL",
    lambda e: e.sh(0, "sh_type", SHT_PROGBITS))
mut("shstrndx-out-of-range", "EBADMSG", "e_shstrndx out of range",
    lambda e: e.eh("e_shstrndx", 9))
mut("shstrndx-reserved", "EBADMSG", "e_shstrndx is a reserved index",
    lambda e: e.eh("e_shstrndx", 0xFF05))
mut("strtab-wrong-type", "EBADMSG", "section name table is not SHT_STRTAB",
    lambda e: e.sh(len(e.secs), "sh_type", SHT_PROGBITS))
# Only the names of SHT_NOTE sections are read.
mut("name-out-of-range", "EBADMSG", "section name offset out of range",
    lambda e: e.sh(2, "sh_name", 0x10000))
mut("name-out-of-range-progbits", "ENOKEY", "-",
    lambda e: e.sh(1, "sh_name", 0x10000))


def unterminated(e):
    names = e.secs[-1][4]
    end = names.index(b".note.cryptomark\0") + len(".note.cryptomark")
    e.sh(len(e.secs), "sh_size", end)  # ".note.cryptomark" loses its NUL


def unterminated_other(e):
    e.sh(len(e.secs), "sh_size", len(e.secs[-1][4]) - 1)  # ".shstrtab"'s NUL


mut("name-unterminated", "EBADMSG", "unterminated section name", unterminated)
mut("name-unterminated-strtab", "ENOKEY", "-", unterminated_other)
mut("section-past-eof", "ERANGE", "section data past end of file",
    lambda e: e.sh(3, "sh_offset", len(e.buf) - 4))
mut("section-enormous", "EOVERFLOW", "section data past end of file",
    lambda e: e.sh(3, "sh_size", 0xFFFFFFFFFFFFFFF0))
mut("section-enormous-32", "ERANGE", "section data past end of file",
    lambda e: e.sh(3, "sh_size", 0xFFFFFF00), is64=False)
mut("overlap-sections", "EBADMSG", "overlapping sections or headers",
    lambda e: e.sh(3, "sh_offset", e.layout[1] + 8))
mut("overlap-ehdr", "EBADMSG", "overlapping sections or headers",
    lambda e: e.sh(3, "sh_offset", 0))
mut("overlap-note-shdr", "EBADMSG", "overlapping sections or headers",
    lambda e: e.sh(e.sec(".note.cryptomark"), "sh_offset", e.shoff - 1048 + 8))
mut("nobits-overlap-ok", "ENOKEY", "-",
    lambda e: (e.sh(3, "sh_type", SHT_NOBITS), e.sh(3, "sh_offset", e.layout[1])))
mut("phentsize-wrong", "EBADMSG", "e_phentsize does not match the ELF class",
    lambda e: e.eh("e_phentsize", 32))
mut("phdrs-past-eof", "ERANGE", "program header table past end of file",
    lambda e: e.eh("e_phoff", len(e.buf) - 8))
mut("phdrs-overflow", "EOVERFLOW", "program header table past end of file",
    lambda e: e.eh("e_phoff", 0xFFFFFFFFFFFFFFF0))
mut("segment-past-eof", "ERANGE", "segment past end of file",
    lambda e: e.ph("p_filesz", len(e.buf) + 1))
mut("segment-overflow", "EOVERFLOW", "segment past end of file",
    lambda e: (e.ph("p_offset", 0xFFFFFFFFFFFFFFF0), e.ph("p_filesz", 0x100)))


def xnum_huge(e):
    e.eh("e_phnum", 0xFFFF)
    e.sh(0, "sh_info", 1 << 17)


mut("phnum-enormous", "E2BIG", "too many program headers", xnum_huge)
mut("phnum-enormous-unsigned", "ENODATA",
    "no .note.cryptomark section (file beyond the parser's limits)", xnum_huge,
    note=False)


def xnum_nosec(e):
    e.eh("e_phnum", 0xFFFF)
    e.eh("e_shoff", 0); e.eh("e_shnum", 0); e.eh("e_shstrndx", 0)


mut("pn-xnum-without-sections", "EBADMSG", "PN_XNUM without a section table",
    xnum_nosec)

# The note itself.
N = lambda e: e.sec(".note.cryptomark")
mut("two-note-sections", "EBADMSG", "two .note.cryptomark sections",
    lambda e: None, extra_notes=1)


def two_notes_one_section(e):
    i = N(e)
    e.sh(i, "sh_size", 2 * 1048)
    e.sh(i + 1, "sh_type", 0)          # second copy: SHT_NULL, size 0
    e.sh(i + 1, "sh_size", 0)
    e.sh(i + 1, "sh_name", 0)


mut("two-notes-in-section", "EBADMSG", "two notes in .note.cryptomark",
    two_notes_one_section, extra_notes=1)
mut("note-section-4-extra", "EMSGSIZE", "bytes after the note in .note.cryptomark",
    lambda e: None, note_tail=b"\0" * 4)
mut("note-section-short", "EMSGSIZE", "section smaller than the note",
    lambda e: e.sh(N(e), "sh_size", 1000))
mut("note-section-tiny", "EMSGSIZE", "section smaller than a note header",
    lambda e: e.sh(N(e), "sh_size", 20))
mut("note-not-sht-note", "ENODATA", "no .note.cryptomark section",
    lambda e: e.sh(N(e), "sh_type", SHT_PROGBITS))
mut("note-alloc", "EBADMSG", ".note.cryptomark is loaded (SHF_ALLOC)",
    lambda e: e.sh(N(e), "sh_flags", SHF_ALLOC))
mut("note-align-8", "EBADMSG", ".note.cryptomark is not 4-byte aligned",
    lambda e: e.sh(N(e), "sh_addralign", 8))
mut("note-in-segment", "EBADMSG", ".note.cryptomark inside a segment",
    lambda e: e.ph("p_filesz", e.note_off() + 4))


def at_note(rel, fmt, val):
    def f(e):
        struct.pack_into(e.e + fmt, e.buf, e.note_off() + rel, val)
    return f


mut("namesz-10", "EMSGSIZE", "note namesz is not 11", at_note(0, "I", 10))
mut("namesz-12", "EMSGSIZE", "note namesz is not 11", at_note(0, "I", 12))
mut("descsz-1023", "EMSGSIZE", "note descsz is not 1024", at_note(4, "I", 1023))
mut("descsz-huge", "EMSGSIZE", "note descsz is not 1024", at_note(4, "I", 0xFFFFFFFF))
mut("note-type-wrong", "EPROTO", "unknown note type", at_note(8, "I", 1))
mut("owner-wrong", "EPROTO", "note owner is not CryptoMark", at_note(21, "B", ord("X")))
mut("owner-no-nul", "EPROTO", "note owner is not CryptoMark", at_note(22, "B", ord("!")))
mut("name-padding-nonzero", "EBADMSG", "non-zero note name padding", at_note(23, "B", 1))
mut("foreign-cryptomark-note", "EBADMSG", "CryptoMark note outside .note.cryptomark",
    lambda e: None, gnu_owner=b"CryptoMark\0")


def foreign_bad(e):
    struct.pack_into(e.e + "I", e.buf, e.layout[2], 0x7FFFFFFF)


mut("foreign-note-malformed", "EBADMSG", "malformed note in another note section", foreign_bad)

# The descriptor.
vec("desc-zero", E(desc=b"\0" * 1024).bytes(), "EPROTO", "unknown type byte")
vec("desc-padding-last-byte", E(desc=sig_desc()[:-1] + b"\1").bytes(), "EBADMSG",
    "non-zero padding after the signature")
vec("desc-padding-first-byte",
    E(desc=sig_desc(size=256)[:265] + b"\1" + b"\0" * 758).bytes(), "EBADMSG",
    "non-zero padding after the signature")
vec("desc-size-past-desc", E(desc=sig_desc(size=1016)).bytes(), "EMSGSIZE",
    "sig_size exceeds the data")
vec("desc-size-600", E(desc=sig_desc(size=600)).bytes(), "E2BIG", "signature too long")
vec("desc-size-4", E(desc=sig_desc(size=4)).bytes(), "EBADMSG", "signature too short")
vec("desc-sha1", E(desc=sig_desc(algo=2)).bytes(), "ENOPKG", "hash algorithm not accepted")
vec("desc-algo-ff", E(desc=sig_desc(algo=0xFF)).bytes(), "ENOPKG", "unknown hash algorithm")
vec("desc-version-1", E(desc=sig_desc(version=1)).bytes(), "EPROTONOSUPPORT",
    "unsupported signature version")
vec("desc-type-digest", E(desc=sig_desc(typ=4)).bytes(), "EPROTO",
    "IMA digest, not a signature")

if __name__ == "__main__":
    os.makedirs(HERE, exist_ok=True)
    for f in os.listdir(HERE):
        if f.endswith(".elf"):
            os.unlink(os.path.join(HERE, f))
    names = set()
    with open(os.path.join(HERE, "index.txt"), "w") as idx:
        idx.write("# file errno why  (cm_note_verify_fd with no trusted key; "
                  "written by ../gen_elf_vectors.py)\n")
        for name, data, err, why in V:
            assert name not in names, name
            names.add(name)
            with open(os.path.join(HERE, name), "wb") as f:
                f.write(data)
            idx.write(f"{name}\t{err}\t{why}\n")
    print(f"{len(V)} vectors in {HERE}", file=sys.stderr)

#!/usr/bin/perl
# `dh $@ --with cryptomark` (or DH_EXTRA_ADDONS=cryptomark): sign after
# everything that changes the staged files (dh_strip, dh_dwz, dh_makeshlibs
# and dh_shlibdeps come before dh_installdeb), before dh_gencontrol (which
# then counts the manifest in Installed-Size), dh_md5sums and dh_builddeb.
# Not after dh_strip: in compat 13 dh_strip comes from the arch-only
# elf-tools addon, so it is absent from binary-indep sequences (buildds'
# dpkg-buildpackage -A), and arch:all packages would go unsigned.
use warnings;
use strict;
use Debian::Debhelper::Dh_Lib;

insert_before("dh_installdeb", "dh_cryptomark");

1;

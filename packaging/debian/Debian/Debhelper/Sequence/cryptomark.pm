#!/usr/bin/perl
# `dh $@ --with cryptomark`: sign after stripping, before md5sums.
use warnings;
use strict;
use Debian::Debhelper::Dh_Lib;

insert_after("dh_strip", "dh_cryptomark");

1;

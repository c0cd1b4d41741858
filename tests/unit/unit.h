/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the cmocka unit programs (tests/unit/unit.c, linked
 * into each): a scratch directory, shell commands that fail the test when
 * they fail, paths in the scratch directory and self-signed test
 * certificates made by the openssl command.
 *
 *   u_scratch("cmunit")   mkdtemp /tmp/cmunit.XXXXXX into u_dir; 0 or -1
 *   u_cleanup()           rm -rf u_dir
 *   u_sh(fmt, ...)        system() of the formatted command; fail_msg()
 *                         naming the command when it exits non-zero
 *   u_path("x.pem")       "u_dir/x.pem" (one of 8 rotating buffers)
 *   u_mkcert(n, alg, ext) u_dir/n.key and n.pem: openssl req -x509 with
 *                         the key options ALG ("-newkey rsa:2048") and
 *                         the extra options EXT (may be ""), CN=n
 */
#ifndef CM_TESTS_UNIT_H
#define CM_TESTS_UNIT_H

extern char u_dir[64];

int u_scratch(const char *tag);
void u_cleanup(void);
void u_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *u_path(const char *name);
void u_mkcert(const char *name, const char *alg, const char *extra);

#endif

// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the cmocka unit programs: see unit.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "unit.h"

char u_dir[64];

int u_scratch(const char *tag)
{
	snprintf(u_dir, sizeof(u_dir), "/tmp/%s.XXXXXX", tag);
	return mkdtemp(u_dir) ? 0 : -1;
}

void u_cleanup(void)
{
	if (u_dir[0])
		u_sh("rm -rf '%s'", u_dir);
}

void u_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("setup command failed: %s", cmd);
}

const char *u_path(const char *name)
{
	static char buf[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", u_dir, name);
	return buf[i];
}

void u_mkcert(const char *name, const char *alg, const char *extra)
{
	u_sh("openssl req -x509 %s -nodes -days 2 -subj /CN=%s %s -keyout %s/%s.key -out %s/%s.pem 2>/dev/null",
	     alg, name, extra, u_dir, name, u_dir, name);
}

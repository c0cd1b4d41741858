// SPDX-License-Identifier: GPL-2.0-only
/*
 * dlo LIB: dlopen(LIB) and call cmt_lib_answer(); prints "result=ok" or
 * "result=<ERRNO NAME>".  dlopen reports failures as text only, glibc
 * does not leave errno set, but the text ends with strerror() of the
 * failing call ("LIB: failed to map segment from shared object: Permission
 * denied"): the errno is recovered from that suffix.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static const char *errno_of_message(const char *msg)
{
	size_t len = strlen(msg), sl;
	const char *s;
	int e;

	for (e = 1; e < 134; e++) {
		s = strerror(e);
		sl = strlen(s);
		if (len > sl + 2 && !strcmp(msg + len - sl, s) &&
		    !strncmp(msg + len - sl - 2, ": ", 2))
			return strerrorname_np(e);
	}
	return "dlopen-failed";
}

int main(int argc, char **argv)
{
	int (*answer)(void);
	void *h;

	if (argc != 2) {
		fprintf(stderr, "usage: dlo LIB\n");
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *msg = dlerror();

		printf("dlerror: %s\n", msg);
		printf("result=%s\n", errno_of_message(msg));
		return 1;
	}
	answer = (int (*)(void))dlsym(h, "cmt_lib_answer");
	if (!answer || answer() != 42) {
		printf("result=nosym\n");
		return 1;
	}
	printf("result=ok\n");
	return 0;
}

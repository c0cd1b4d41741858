// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: execveat(AT_EXECVE_CHECK), backported to the test kernel by
 * kernel/patches/.  A script interpreter asks whether a file it is about
 * to read as code could be executed; the answer must be the one an exec
 * of that file would get, so the file is judged exactly as in
 * bprm_check_security (same verdict, cache and EACCES), only logged as
 * operation "check".  An AT_EXECVE_CHECK never reaches
 * bprm_check_security: the kernel stops right after this hook.
 */
#include <linux/binfmts.h>

#include "cryptomark.h"
#include "hooks.h"

int cryptomark_bprm_creds_for_exec(struct linux_binprm *bprm)
{
	if (!bprm->is_check)
		return 0;	/* a real exec: bprm_check_security decides */
	return cm_evaluate(bprm->file, CM_OP_CHECK);
}

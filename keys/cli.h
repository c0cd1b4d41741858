/* SPDX-License-Identifier: MIT */
/*
 * cmkeys' command line, shared by cmkeys.c (options, PKI, bundles, seal,
 * unseal, provision) and cli_tpm.c (signed policies, counters, recovery,
 * PCR values).
 */
#ifndef CMKEYS_CLI_H
#define CMKEYS_CLI_H

#include "cmkeys.h"

#define ERRLEN 512

/* Every subcommand's options in one struct; each uses what it needs. */
struct cli {
	const char *cmd;
	const char *out, *subject, *ca, *tcti, *pcrs, *pcr_values, *keyring;
	const char *previous, *authorize, *policies, *key, *replay, *recovery;
	struct cm_signer_opts sign;	/* --sign-key, --sign-cert, --pass-* */
	struct cm_trust *signed_by;	/* --signed-by, repeatable */
	int type, days, cap_pcr, have_version, allow_unsigned, force;
	int have_counter, have_to, encrypt;
	uint64_t version, min_version, counter, to;
	const char **revoke, **unrevoke;
	size_t n_revoke, n_unrevoke;
};

int die_usage(const char *cmd, const char *msg);
/* --pcrs: a spec without a bank means sha256, and the user is told so. */
int parse_pcrs_cli(struct cli *c, uint32_t *mask);

int cmd_policy(struct cli *c, int argc, char **argv);
int cmd_counter(struct cli *c, int argc, char **argv);
int cmd_recovery(struct cli *c, int argc, char **argv);
int cmd_pcrs(struct cli *c, int argc, char **argv);
/* keys/rules.c: argv[0] "rules", its own options */
int cmd_rules(int argc, char **argv);

#endif

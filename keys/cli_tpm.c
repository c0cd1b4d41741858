// SPDX-License-Identifier: MIT
/*
 * cmkeys: the command line of signed PCR policies (policy sign|show, and
 * the PolicyPCR digest), the NV counters, recovery and PCR values.  Option
 * parsing is cmkeys.c's; the work is in policy.c, tpmauth.c, recovery.c,
 * eventlog.c and tpm.c.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int cmd_policy_sign(struct cli *c)
{
	struct cmk_policy_sign_opts o = {
		.pcr_values = c->pcr_values, .key = c->key, .out = c->out,
		.version = c->version, .bind_counter = c->have_version,
	};
	char err[ERRLEN] = "";

	if (!c->pcr_values || !c->key || !c->out)
		return die_usage(c->cmd, "policy sign needs --pcr-values FILE --key POLICYKEY -o POLICY");
	if (cmk_policy_sign(&o, err, sizeof(err))) {
		fprintf(stderr, "cmkeys policy sign: %s\n", err);
		return 1;
	}
	printf("%s: signed PCR policy%s\n", c->out, c->have_version ?
	       ", valid while the policy counter is at most --version" : "");
	return 0;
}

static int cmd_policy_show(struct cli *c, const char *path)
{
	struct cmk_policy *p = malloc(sizeof(*p));
	const char *why = "";
	uint8_t *bytes = NULL;
	size_t len;
	int ret;

	if (!p)
		return 1;
	ret = cm_read_file(path, 64 * 1024, &bytes, &len);
	if (ret)
		fprintf(stderr, "cmkeys policy show: %s: %s\n", path, strerror(-ret));
	else if ((ret = cmk_policy_parse(bytes, len, p, &why)))
		fprintf(stderr, "cmkeys policy show: %s: malformed policy: %s\n", path, why);
	if (!ret) {
		printf("%s: signed PCR policy, key name ", path);
		for (int i = 0; i < CM_TPM_NAME_SIZE; i++)
			printf("%02x", p->key_name[i]);
		if (p->nv_index)
			printf("\nvalid while counter 0x%08x <= %" PRIu64, p->nv_index,
			       p->version);
		printf("\n");
		for (int i = 0; i < CM_PCR_MAX; i++) {
			if (!(p->pcr_mask & (1u << i)))
				continue;
			printf("sha256:%d=", i);
			for (int j = 0; j < 32; j++)
				printf("%02x", p->pcr[i][j]);
			printf("\n");
		}
	}
	free(bytes);
	free(p);
	return ret ? 1 : 0;
}

int cmd_counter(struct cli *c, int argc, char **argv)
{
	static const struct { const char *name; uint32_t index; } ctrs[] = {
		{ "policy", CMK_NV_POLICY_COUNTER },
		{ "bundle", CMK_NV_BUNDLE_COUNTER },
	};
	const char *verb = argc - optind >= 1 ? argv[optind] : "";
	const char *which = argc - optind >= 2 ? argv[optind + 1] : NULL;
	char err[ERRLEN] = "";
	struct cmk_tpm *t;
	int ret = 0;

	if (strcmp(verb, "init") && strcmp(verb, "show") && strcmp(verb, "bump"))
		return die_usage(c->cmd, "counter init|show|bump [policy|bundle]");
	if (!strcmp(verb, "bump") && (!which || argc - optind != 2))
		return die_usage(c->cmd, "counter bump policy|bundle [--to N]");
	if (which && strcmp(which, "policy") && strcmp(which, "bundle"))
		return die_usage(c->cmd, "the counters are 'policy' and 'bundle'");
	if (cmk_tpm_open(c->tcti, &t, err, sizeof(err))) {
		fprintf(stderr, "cmkeys counter: %s\n", err);
		return 1;
	}
	for (size_t i = 0; !ret && i < 2; i++) {
		uint64_t v = 0;
		int created = 0;

		if (which && strcmp(which, ctrs[i].name))
			continue;
		if (!strcmp(verb, "init"))
			ret = cmk_nv_counter_init(t, ctrs[i].index, &v, &created,
						  err, sizeof(err));
		else if (!strcmp(verb, "show"))
			ret = cmk_nv_counter_read(t, ctrs[i].index, &v, err,
						  sizeof(err));
		else {
			ret = cmk_nv_counter_read(t, ctrs[i].index, &v, err,
						  sizeof(err));
			if (!ret)
				ret = cmk_nv_counter_bump(t, ctrs[i].index,
							  c->have_to ? c->to : v + 1,
							  &v, err, sizeof(err));
		}
		if (!ret)
			printf("%s counter 0x%08x: %" PRIu64 "%s\n", ctrs[i].name,
			       ctrs[i].index, v, created ? " (defined now)" : "");
	}
	cmk_tpm_close(t);
	if (ret) {
		fprintf(stderr, "cmkeys counter: %s\n", err);
		return 1;
	}
	return 0;
}

int cmd_recovery(struct cli *c, int argc, char **argv)
{
	const char *verb = argc - optind == 2 ? argv[optind] : "";
	char err[ERRLEN] = "";
	uint32_t mask = 0;
	int ret, authorized;

	if (!c->out || (strcmp(verb, "request") && strcmp(verb, "sign")))
		return die_usage(c->cmd, "recovery request [--pcrs SPEC] -o REQUEST BUNDLE | recovery sign --sign-key KEY --sign-cert CERT -o TOKEN REQUEST");
	if (!strcmp(verb, "sign")) {
		if (!c->sign.key || !c->sign.cert)
			return die_usage(c->cmd, "recovery sign needs --sign-key and --sign-cert");
		ret = cmk_recovery_sign(argv[optind + 1], &c->sign, c->out, err,
					sizeof(err));
	} else {
		if (c->pcrs && parse_pcrs_cli(c, &mask))
			return 2;
		/* By default the PCRs the seal uses, if there is one. */
		if (!mask && cmk_seal_peek(argv[optind + 1], &mask, &authorized,
					   err, sizeof(err)))
			return die_usage(c->cmd, "no readable BUNDLE.seal: give --pcrs SPEC");
		err[0] = '\0';
		ret = cmk_recovery_request(c->tcti, argv[optind + 1], mask,
					   c->out, err, sizeof(err));
	}
	if (ret) {
		fprintf(stderr, "cmkeys recovery %s: %s\n", verb, err);
		return 1;
	}
	printf("%s\n", c->out);
	return 0;
}

int cmd_policy(struct cli *c, int argc, char **argv)
{
	char err[ERRLEN] = "";
	uint8_t d[32];
	cmk_pcr_values v;
	uint32_t mask;
	int ret;

	if (argc - optind == 1 && !strcmp(argv[optind], "sign"))
		return cmd_policy_sign(c);
	if (argc - optind == 2 && !strcmp(argv[optind], "show"))
		return cmd_policy_show(c, argv[optind + 1]);

	if (argc != optind || !!c->pcrs == !!c->pcr_values)
		return die_usage(c->cmd, "give one of --pcrs or --pcr-values");
	if (c->pcr_values) {
		ret = cmk_load_pcr_values(c->pcr_values, &mask, v, err,
					  sizeof(err));
		if (!ret)
			ret = cmk_policy_pcr_offline(mask, v, d);
	} else {
		struct cmk_tpm *t;

		if (parse_pcrs_cli(c, &mask))
			return 2;
		ret = cmk_tpm_open(c->tcti, &t, err, sizeof(err));
		if (!ret) {
			ret = cmk_tpm_policy_pcr(t, mask, d, err, sizeof(err));
			cmk_tpm_close(t);
		}
	}
	if (ret) {
		fprintf(stderr, "cmkeys policy: %s\n", err);
		return 1;
	}
	for (int i = 0; i < 32; i++)
		printf("%02x", d[i]);
	printf("\n");
	return 0;
}

int cmd_pcrs(struct cli *c, int argc, char **argv)
{
	char err[ERRLEN] = "";
	struct cmk_tpm *t;
	cmk_pcr_values v;
	uint32_t mask;
	int ret;

	if (argc != optind || (!c->pcrs && !c->replay))
		return die_usage(c->cmd, "--pcrs sha256:N[,N...] or --replay EVENTLOG is required");
	if (c->pcrs && parse_pcrs_cli(c, &mask))
		return 2;
	if (c->replay) {
		uint32_t seen;

		/* What the log leads to, not what the TPM holds now. */
		ret = cmk_eventlog_replay(c->replay, v, &seen, err, sizeof(err));
		if (!c->pcrs)
			mask = seen;
	} else {
		ret = cmk_tpm_open(c->tcti, &t, err, sizeof(err));
		if (!ret) {
			ret = cmk_tpm_pcr_read(t, mask, v, err, sizeof(err));
			cmk_tpm_close(t);
		}
	}
	if (ret) {
		fprintf(stderr, "cmkeys pcrs: %s\n", err);
		return 1;
	}
	for (int i = 0; i < CM_PCR_MAX; i++) {
		if (!(mask & (1u << i)))
			continue;
		printf("sha256:%d=", i);
		for (int j = 0; j < 32; j++)
			printf("%02x", v[i][j]);
		printf("\n");
	}
	return 0;
}


/* shell_cmds.c: the shell's commands as DPDK cmdline instructions (testpmd's cmdline.c style):
 * for each, the struct its tokens are parsed into, the tokens, a callback that hands the parsed
 * values to the C++ handler (shell_cmds.h), and the instruction with its help text, shown by `?`
 * and TAB on a terminal. docs/cli.md lists the commands.
 *
 * A cmdline_parse_inst_t ends in a flexible array of tokens; initialising it statically is a GNU
 * C extension (as in testpmd), hence __extension__ on each instruction. */
#include "shell_cmds.h"

#include <stddef.h>

#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <rte_common.h>

/* ---------------------------------------------------------------- show */

struct show_result {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t what;
};

static void
cmd_show_parsed(void *parsed, struct cmdline *cl __rte_unused, void *data __rte_unused)
{
	const struct show_result *r = parsed;
	edf_shell_show(r->what);
}

static cmdline_parse_token_string_t show_tok_show = TOKEN_STRING_INITIALIZER(struct show_result, show, "show");
static cmdline_parse_token_string_t show_tok_what =
	TOKEN_STRING_INITIALIZER(struct show_result, what, "stats#classes#queues#lcores#config");

__extension__ static cmdline_parse_inst_t cmd_show = {
	.f = cmd_show_parsed,
	.data = NULL,
	.help_str = "show stats|classes|queues|lcores|config: counters (since clear stats), classes, rings, "
		    "lcores, running profile",
	.tokens = { &show_tok_show.hdr, &show_tok_what.hdr, NULL },
};

struct show_port_result {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t port;
	uint16_t id;
};

static void
cmd_show_port_parsed(void *parsed, struct cmdline *cl __rte_unused, void *data __rte_unused)
{
	const struct show_port_result *r = parsed;
	edf_shell_show_port(r->id);
}

static cmdline_parse_token_string_t show_port_tok_show = TOKEN_STRING_INITIALIZER(struct show_port_result, show, "show");
static cmdline_parse_token_string_t show_port_tok_port = TOKEN_STRING_INITIALIZER(struct show_port_result, port, "port");
static cmdline_parse_token_num_t show_port_tok_id = TOKEN_NUM_INITIALIZER(struct show_port_result, id, RTE_UINT16);

__extension__ static cmdline_parse_inst_t cmd_show_port = {
	.f = cmd_show_port_parsed,
	.data = NULL,
	.help_str = "show port <id>: NIC counters, link and the port's profile settings",
	.tokens = { &show_port_tok_show.hdr, &show_port_tok_port.hdr, &show_port_tok_id.hdr, NULL },
};

/* ---------------------------------------------------------------- set class */

struct set_class_num_result {
	cmdline_fixed_string_t set;
	cmdline_fixed_string_t cls;
	cmdline_fixed_string_t name;
	cmdline_fixed_string_t what;
	uint32_t value;
};

static void
cmd_set_class_num_parsed(void *parsed, struct cmdline *cl __rte_unused, void *data __rte_unused)
{
	const struct set_class_num_result *r = parsed;
	edf_shell_set_class_num(r->name, r->what, r->value);
}

static cmdline_parse_token_string_t scn_tok_set = TOKEN_STRING_INITIALIZER(struct set_class_num_result, set, "set");
static cmdline_parse_token_string_t scn_tok_class = TOKEN_STRING_INITIALIZER(struct set_class_num_result, cls, "class");
static cmdline_parse_token_string_t scn_tok_name = TOKEN_STRING_INITIALIZER(struct set_class_num_result, name, NULL);
static cmdline_parse_token_string_t scn_tok_what =
	TOKEN_STRING_INITIALIZER(struct set_class_num_result, what, "quantum#budget");
static cmdline_parse_token_num_t scn_tok_value = TOKEN_NUM_INITIALIZER(struct set_class_num_result, value, RTE_UINT32);

__extension__ static cmdline_parse_inst_t cmd_set_class_num = {
	.f = cmd_set_class_num_parsed,
	.data = NULL,
	.help_str = "set class <name> quantum <bytes> | budget <us>: egress DRR quantum, latency budget",
	.tokens = { &scn_tok_set.hdr, &scn_tok_class.hdr, &scn_tok_name.hdr, &scn_tok_what.hdr, &scn_tok_value.hdr,
		    NULL },
};

struct set_class_expired_result {
	cmdline_fixed_string_t set;
	cmdline_fixed_string_t cls;
	cmdline_fixed_string_t name;
	cmdline_fixed_string_t expired;
	cmdline_fixed_string_t policy;
};

static void
cmd_set_class_expired_parsed(void *parsed, struct cmdline *cl __rte_unused, void *data __rte_unused)
{
	const struct set_class_expired_result *r = parsed;
	edf_shell_set_class_expired(r->name, r->policy);
}

static cmdline_parse_token_string_t sce_tok_set = TOKEN_STRING_INITIALIZER(struct set_class_expired_result, set, "set");
static cmdline_parse_token_string_t sce_tok_class =
	TOKEN_STRING_INITIALIZER(struct set_class_expired_result, cls, "class");
static cmdline_parse_token_string_t sce_tok_name = TOKEN_STRING_INITIALIZER(struct set_class_expired_result, name, NULL);
static cmdline_parse_token_string_t sce_tok_expired =
	TOKEN_STRING_INITIALIZER(struct set_class_expired_result, expired, "expired");
static cmdline_parse_token_string_t sce_tok_policy =
	TOKEN_STRING_INITIALIZER(struct set_class_expired_result, policy, "deliver#drop");

__extension__ static cmdline_parse_inst_t cmd_set_class_expired = {
	.f = cmd_set_class_expired_parsed,
	.data = NULL,
	.help_str = "set class <name> expired deliver|drop: what EDF does with a packet past its deadline",
	.tokens = { &sce_tok_set.hdr, &sce_tok_class.hdr, &sce_tok_name.hdr, &sce_tok_expired.hdr, &sce_tok_policy.hdr,
		    NULL },
};

/* ---------------------------------------------------------------- set port */

struct set_rate_result {
	cmdline_fixed_string_t set;
	cmdline_fixed_string_t port;
	uint16_t id;
	cmdline_fixed_string_t rate;
	uint64_t bps;
};

static void
cmd_set_rate_parsed(void *parsed, struct cmdline *cl __rte_unused, void *data __rte_unused)
{
	const struct set_rate_result *r = parsed;
	edf_shell_set_port_rate(r->id, r->bps);
}

static cmdline_parse_token_string_t sr_tok_set = TOKEN_STRING_INITIALIZER(struct set_rate_result, set, "set");
static cmdline_parse_token_string_t sr_tok_port = TOKEN_STRING_INITIALIZER(struct set_rate_result, port, "port");
static cmdline_parse_token_num_t sr_tok_id = TOKEN_NUM_INITIALIZER(struct set_rate_result, id, RTE_UINT16);
static cmdline_parse_token_string_t sr_tok_rate = TOKEN_STRING_INITIALIZER(struct set_rate_result, rate, "rate");
static cmdline_parse_token_num_t sr_tok_bps = TOKEN_NUM_INITIALIZER(struct set_rate_result, bps, RTE_UINT64);

__extension__ static cmdline_parse_inst_t cmd_set_rate = {
	.f = cmd_set_rate_parsed,
	.data = NULL,
	.help_str = "set port <id> rate <bits/s>: egress token bucket rate of an output port",
	.tokens = { &sr_tok_set.hdr, &sr_tok_port.hdr, &sr_tok_id.hdr, &sr_tok_rate.hdr, &sr_tok_bps.hdr, NULL },
};

struct set_rate_off_result {
	cmdline_fixed_string_t set;
	cmdline_fixed_string_t port;
	uint16_t id;
	cmdline_fixed_string_t rate;
	cmdline_fixed_string_t off;
};

static void
cmd_set_rate_off_parsed(void *parsed, struct cmdline *cl __rte_unused, void *data __rte_unused)
{
	const struct set_rate_off_result *r = parsed;
	edf_shell_set_port_rate(r->id, 0);
}

static cmdline_parse_token_string_t sro_tok_set = TOKEN_STRING_INITIALIZER(struct set_rate_off_result, set, "set");
static cmdline_parse_token_string_t sro_tok_port = TOKEN_STRING_INITIALIZER(struct set_rate_off_result, port, "port");
static cmdline_parse_token_num_t sro_tok_id = TOKEN_NUM_INITIALIZER(struct set_rate_off_result, id, RTE_UINT16);
static cmdline_parse_token_string_t sro_tok_rate = TOKEN_STRING_INITIALIZER(struct set_rate_off_result, rate, "rate");
static cmdline_parse_token_string_t sro_tok_off = TOKEN_STRING_INITIALIZER(struct set_rate_off_result, off, "off");

__extension__ static cmdline_parse_inst_t cmd_set_rate_off = {
	.f = cmd_set_rate_off_parsed,
	.data = NULL,
	.help_str = "set port <id> rate off: remove the port's rate limit",
	.tokens = { &sro_tok_set.hdr, &sro_tok_port.hdr, &sro_tok_id.hdr, &sro_tok_rate.hdr, &sro_tok_off.hdr, NULL },
};

struct set_link_result {
	cmdline_fixed_string_t set;
	cmdline_fixed_string_t port;
	uint16_t id;
	cmdline_fixed_string_t link;
	cmdline_fixed_string_t state;
};

static void
cmd_set_link_parsed(void *parsed, struct cmdline *cl __rte_unused, void *data __rte_unused)
{
	const struct set_link_result *r = parsed;
	edf_shell_set_port_link(r->id, r->state);
}

static cmdline_parse_token_string_t sl_tok_set = TOKEN_STRING_INITIALIZER(struct set_link_result, set, "set");
static cmdline_parse_token_string_t sl_tok_port = TOKEN_STRING_INITIALIZER(struct set_link_result, port, "port");
static cmdline_parse_token_num_t sl_tok_id = TOKEN_NUM_INITIALIZER(struct set_link_result, id, RTE_UINT16);
static cmdline_parse_token_string_t sl_tok_link = TOKEN_STRING_INITIALIZER(struct set_link_result, link, "link");
static cmdline_parse_token_string_t sl_tok_state = TOKEN_STRING_INITIALIZER(struct set_link_result, state, "up#down");

__extension__ static cmdline_parse_inst_t cmd_set_link = {
	.f = cmd_set_link_parsed,
	.data = NULL,
	.help_str = "set port <id> link up|down: bring a port's link up or down (where the driver can)",
	.tokens = { &sl_tok_set.hdr, &sl_tok_port.hdr, &sl_tok_id.hdr, &sl_tok_link.hdr, &sl_tok_state.hdr, NULL },
};

/* ---------------------------------------------------------------- set processing */

struct set_fwd_result {
	cmdline_fixed_string_t set;
	cmdline_fixed_string_t processing;
	cmdline_fixed_string_t fwd;
};

static void
cmd_set_fwd_parsed(void *parsed __rte_unused, struct cmdline *cl __rte_unused, void *data __rte_unused)
{
	edf_shell_set_processing_fwd();
}

static cmdline_parse_token_string_t sf_tok_set = TOKEN_STRING_INITIALIZER(struct set_fwd_result, set, "set");
static cmdline_parse_token_string_t sf_tok_processing =
	TOKEN_STRING_INITIALIZER(struct set_fwd_result, processing, "processing");
static cmdline_parse_token_string_t sf_tok_fwd = TOKEN_STRING_INITIALIZER(struct set_fwd_result, fwd, "fwd");

__extension__ static cmdline_parse_inst_t cmd_set_fwd = {
	.f = cmd_set_fwd_parsed,
	.data = NULL,
	.help_str = "set processing fwd: rewrite UDP ports only",
	.tokens = { &sf_tok_set.hdr, &sf_tok_processing.hdr, &sf_tok_fwd.hdr, NULL },
};

struct set_spin_result {
	cmdline_fixed_string_t set;
	cmdline_fixed_string_t processing;
	cmdline_fixed_string_t spin;
	uint32_t base_ns;
	uint32_t per_byte_ns;
};

static void
cmd_set_spin_parsed(void *parsed, struct cmdline *cl __rte_unused, void *data __rte_unused)
{
	const struct set_spin_result *r = parsed;
	edf_shell_set_processing_spin(r->base_ns, r->per_byte_ns);
}

static cmdline_parse_token_string_t ss_tok_set = TOKEN_STRING_INITIALIZER(struct set_spin_result, set, "set");
static cmdline_parse_token_string_t ss_tok_processing =
	TOKEN_STRING_INITIALIZER(struct set_spin_result, processing, "processing");
static cmdline_parse_token_string_t ss_tok_spin = TOKEN_STRING_INITIALIZER(struct set_spin_result, spin, "spin");
static cmdline_parse_token_num_t ss_tok_base = TOKEN_NUM_INITIALIZER(struct set_spin_result, base_ns, RTE_UINT32);
static cmdline_parse_token_num_t ss_tok_per_byte = TOKEN_NUM_INITIALIZER(struct set_spin_result, per_byte_ns, RTE_UINT32);

__extension__ static cmdline_parse_inst_t cmd_set_spin = {
	.f = cmd_set_spin_parsed,
	.data = NULL,
	.help_str = "set processing spin <base_ns> <per_byte_ns>: simulated work per packet, then fwd",
	.tokens = { &ss_tok_set.hdr, &ss_tok_processing.hdr, &ss_tok_spin.hdr, &ss_tok_base.hdr, &ss_tok_per_byte.hdr,
		    NULL },
};

/* ---------------------------------------------------------------- set scheduling */

struct set_sched_result {
	cmdline_fixed_string_t set;
	cmdline_fixed_string_t scheduling;
	cmdline_fixed_string_t name;
};

static void
cmd_set_sched_parsed(void *parsed, struct cmdline *cl __rte_unused, void *data __rte_unused)
{
	const struct set_sched_result *r = parsed;
	edf_shell_set_scheduling(r->name);
}

static cmdline_parse_token_string_t sch_tok_set = TOKEN_STRING_INITIALIZER(struct set_sched_result, set, "set");
static cmdline_parse_token_string_t sch_tok_scheduling =
	TOKEN_STRING_INITIALIZER(struct set_sched_result, scheduling, "scheduling");
/* Any word: the registry (edf/policy.h) checks it and names the policies when it is unknown. */
static cmdline_parse_token_string_t sch_tok_name = TOKEN_STRING_INITIALIZER(struct set_sched_result, name, NULL);

__extension__ static cmdline_parse_inst_t cmd_set_sched = {
	.f = cmd_set_sched_parsed,
	.data = NULL,
	.help_str = "set scheduling edf|edf-plain|priority|llf: the EDF workers' policy (not to or from fifo)",
	.tokens = { &sch_tok_set.hdr, &sch_tok_scheduling.hdr, &sch_tok_name.hdr, NULL },
};

/* ---------------------------------------------------------------- one-word and two-word commands */

struct word_result {
	cmdline_fixed_string_t word;
};

static void
cmd_word_parsed(void *parsed, struct cmdline *cl __rte_unused, void *data __rte_unused)
{
	const struct word_result *r = parsed;
	edf_shell_word(r->word);
}

static cmdline_parse_token_string_t word_tok = TOKEN_STRING_INITIALIZER(struct word_result, word, "quit#stop#start#help");

__extension__ static cmdline_parse_inst_t cmd_word = {
	.f = cmd_word_parsed,
	.data = NULL,
	.help_str = "quit | stop | start | help: leave (stops edfpipe), stop or start forwarding, list commands",
	.tokens = { &word_tok.hdr, NULL },
};

struct clear_result {
	cmdline_fixed_string_t clear;
	cmdline_fixed_string_t stats;
};

static void
cmd_clear_parsed(void *parsed __rte_unused, struct cmdline *cl __rte_unused, void *data __rte_unused)
{
	edf_shell_clear_stats();
}

static cmdline_parse_token_string_t clear_tok_clear = TOKEN_STRING_INITIALIZER(struct clear_result, clear, "clear");
static cmdline_parse_token_string_t clear_tok_stats = TOKEN_STRING_INITIALIZER(struct clear_result, stats, "stats");

__extension__ static cmdline_parse_inst_t cmd_clear = {
	.f = cmd_clear_parsed,
	.data = NULL,
	.help_str = "clear stats: show counters from now on",
	.tokens = { &clear_tok_clear.hdr, &clear_tok_stats.hdr, NULL },
};

struct save_result {
	cmdline_fixed_string_t save;
	cmdline_fixed_string_t config;
	cmdline_fixed_string_t file;
};

static void
cmd_save_parsed(void *parsed, struct cmdline *cl __rte_unused, void *data __rte_unused)
{
	const struct save_result *r = parsed;
	edf_shell_save_config(r->file);
}

static cmdline_parse_token_string_t save_tok_save = TOKEN_STRING_INITIALIZER(struct save_result, save, "save");
static cmdline_parse_token_string_t save_tok_config = TOKEN_STRING_INITIALIZER(struct save_result, config, "config");
static cmdline_parse_token_string_t save_tok_file = TOKEN_STRING_INITIALIZER(struct save_result, file, NULL);

__extension__ static cmdline_parse_inst_t cmd_save = {
	.f = cmd_save_parsed,
	.data = NULL,
	.help_str = "save config <file>: write a profile that reproduces the running state",
	.tokens = { &save_tok_save.hdr, &save_tok_config.hdr, &save_tok_file.hdr, NULL },
};

struct sleep_result {
	cmdline_fixed_string_t sleep;
	uint32_t ms;
};

static void
cmd_sleep_parsed(void *parsed, struct cmdline *cl __rte_unused, void *data __rte_unused)
{
	const struct sleep_result *r = parsed;
	edf_shell_sleep(r->ms);
}

static cmdline_parse_token_string_t sleep_tok_sleep = TOKEN_STRING_INITIALIZER(struct sleep_result, sleep, "sleep");
static cmdline_parse_token_num_t sleep_tok_ms = TOKEN_NUM_INITIALIZER(struct sleep_result, ms, RTE_UINT32);

__extension__ static cmdline_parse_inst_t cmd_sleep = {
	.f = cmd_sleep_parsed,
	.data = NULL,
	.help_str = "sleep <ms>: wait (for scripts), at most 60000",
	.tokens = { &sleep_tok_sleep.hdr, &sleep_tok_ms.hdr, NULL },
};

/* ---------------------------------------------------------------- the table */

cmdline_parse_ctx_t edf_shell_ctx[] = {
	&cmd_show,
	&cmd_show_port,
	&cmd_set_class_num,
	&cmd_set_class_expired,
	&cmd_set_rate,
	&cmd_set_rate_off,
	&cmd_set_link,
	&cmd_set_fwd,
	&cmd_set_spin,
	&cmd_set_sched,
	&cmd_word,
	&cmd_clear,
	&cmd_save,
	&cmd_sleep,
	NULL,
};

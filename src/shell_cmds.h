/* shell_cmds.h: the shell's command table for DPDK's cmdline library (shell_cmds.c) and the
 * handlers it calls (shell.cc).
 *
 * The table is C, as testpmd's: cmdline_parse_inst_t ends in a flexible array of tokens, which
 * C can initialise statically and C++ cannot. Each instruction's callback, in C, unpacks its
 * parsed tokens and calls one of the handlers below with plain arguments; the handlers are C++
 * with C linkage, and noexcept so that no exception unwinds through the cmdline library.
 * Strings passed to a handler live only for the call. Main lcore only (the shell's thread). */
#pragma once

#include <stdint.h>

#include <cmdline_parse.h>

#ifdef __cplusplus
#define EDF_SHELL_NOEXCEPT noexcept
extern "C" {
#else
#define EDF_SHELL_NOEXCEPT
#endif

/* Every command of the shell, ended by NULL: the context for cmdline_new() and cmdline_parse(). */
extern cmdline_parse_ctx_t edf_shell_ctx[];

void edf_shell_show(const char *what) EDF_SHELL_NOEXCEPT; /* stats|classes|queues|lcores|config */
void edf_shell_show_port(uint16_t port) EDF_SHELL_NOEXCEPT;
void edf_shell_set_class_num(const char *cls, const char *what, uint32_t value) EDF_SHELL_NOEXCEPT; /* quantum|budget */
void edf_shell_set_class_expired(const char *cls, const char *policy) EDF_SHELL_NOEXCEPT;          /* deliver|drop */
void edf_shell_set_port_rate(uint16_t port, uint64_t rate_bps) EDF_SHELL_NOEXCEPT;                /* 0: no limit */
void edf_shell_set_port_link(uint16_t port, const char *state) EDF_SHELL_NOEXCEPT;                /* up|down */
void edf_shell_set_processing_fwd(void) EDF_SHELL_NOEXCEPT;
void edf_shell_set_processing_spin(uint32_t base_ns, uint32_t per_byte_ns) EDF_SHELL_NOEXCEPT;
void edf_shell_set_scheduling(const char *name) EDF_SHELL_NOEXCEPT; /* a policy name, edf/policy.h */
void edf_shell_word(const char *word) EDF_SHELL_NOEXCEPT; /* quit|stop|start|help */
void edf_shell_clear_stats(void) EDF_SHELL_NOEXCEPT;
void edf_shell_save_config(const char *file) EDF_SHELL_NOEXCEPT;
void edf_shell_sleep(uint32_t ms) EDF_SHELL_NOEXCEPT;

#ifdef __cplusplus
}
#endif

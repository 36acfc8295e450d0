/* edfpipe/stage.h: the processing-stage interface of edfpipe, as a small C ABI.
 *
 * A stage does the work on one packet between the EDF scheduler and TX: edfpipe's own `fwd`,
 * `spin` and `crypto` are stages, and a user's stage is a shared library that edfpipe loads with
 * `--stage-lib PATH.so` and selects with `--processing NAME` ([pipeline] processing = NAME).
 * docs/extending.md explains the contract with a complete example; in short:
 *
 *   - The library exports `edfpipe_stage`, a function returning a pointer to a static
 *     `struct edfpipe_stage_ops` whose abi_version is EDFPIPE_STAGE_ABI_VERSION. edfpipe refuses a
 *     library without that symbol or with another ABI version, before any lcore starts.
 *   - Configuration: each key of the profile's `[stage NAME]` section (and each
 *     `--set 'stage NAME.KEY=VALUE'`) is given to `configure` before EAL starts; the stage checks
 *     it and says what is wrong in `err`, and edfpipe adds the file, line, section and key.
 *   - `start` runs once on the main lcore after EAL started and before the workers launch;
 *     `worker_start` once per EDF worker, on the main lcore, with the worker's NUMA socket;
 *     `worker_stop` and `stop` after the workers returned. Only these may allocate or block.
 *   - `process` runs on the worker's lcore, once per packet or per slice of a packet: it must not
 *     block, allocate from the heap, or take locks another worker holds. It returns
 *       EDFPIPE_DONE   the packet goes on to TX (edfpipe applies [fwd] udp_port_map afterwards);
 *       EDFPIPE_YIELD  work is left: the stage kept its progress in *resume (0 on the first call
 *                      for a packet, kept by edfpipe between calls) and is called again for this
 *                      packet later, possibly after more urgent packets of other classes;
 *       EDFPIPE_DROP   the packet is dropped: *reason indexes drop_reasons. edfpipe frees the mbuf
 *                      and counts it under that reason for the packet's class.
 *     A stage should return by `until_tsc` (an rte_rdtsc() value): that is what makes a long
 *     packet preemptible. The stage must not free the mbuf, send it, or change its segments; it
 *     may rewrite the bytes of the packet (data .. data + data_len, and the other segments).
 *
 * This header needs only the C standard library. Stable within one EDFPIPE_STAGE_ABI_VERSION.
 */
#ifndef EDFPIPE_STAGE_H
#define EDFPIPE_STAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EDFPIPE_STAGE_ABI_VERSION 1u
#define EDFPIPE_STAGE_MAX_DROP_REASONS 8u /* entries of drop_reasons before its NULL */
#define EDFPIPE_STAGE_NAME_MAX 16u        /* a stage or drop reason name: [a-z0-9_], at most this long */
#define EDFPIPE_STAGE_ERR_MAX 256u        /* size of the err buffers edfpipe passes */

struct rte_mbuf;

/* One packet as a stage sees it. */
struct edfpipe_pkt {
  struct rte_mbuf *mbuf; /* the packet (NULL in edfpipe's own unit tests) */
  uint8_t *data;         /* its first segment's bytes */
  uint32_t data_len;     /* bytes in the first segment */
  uint32_t pkt_len;      /* bytes of the whole frame, every segment */
  uint16_t l3_offset;    /* IP header offset in data; 0 if the frame is not IP */
  uint16_t l4_offset;    /* UDP header offset in data; 0 if not UDP (other traffic) */
  uint16_t payload_len;  /* UDP payload bytes (other traffic: bytes after the IP header) */
  uint8_t cls;           /* class index, in profile order */
  uint8_t ip_version;    /* 4, 6, or 0 */
  uint64_t deadline_tsc; /* when the packet is due (rte_rdtsc() time) */
};

enum edfpipe_verdict { EDFPIPE_DONE = 0, EDFPIPE_YIELD = 1, EDFPIPE_DROP = 2 };

struct edfpipe_stage_ops {
  uint32_t abi_version; /* EDFPIPE_STAGE_ABI_VERSION */
  const char *name;     /* selects the stage: [pipeline] processing = name; its section [stage name] */
  const char *const *drop_reasons; /* NULL-terminated names of the stage's own drop reasons, or NULL */

  /* One key of [stage NAME]: check and keep it in *config (created on first use, NULL before).
   * Returns 0, or -1 with a message in err ("expected encrypt or decrypt"). May be NULL: then the
   * stage takes no keys and any key is an error. */
  int (*configure)(void **config, const char *key, const char *value, char *err, size_t err_len);
  /* After EAL started, before the workers launch; checks what configure could not (a missing
   * key) and sets up what the workers share. Returns 0, or -1 with a message in err. May be NULL. */
  int (*start)(void *config, unsigned n_workers, char *err, size_t err_len);
  /* The state of one EDF worker (index 0 .. n_workers-1) on NUMA `socket`; NULL with a message in
   * err on failure. May be NULL: then process gets config as its state. */
  void *(*worker_start)(void *config, unsigned worker, int socket, char *err, size_t err_len);
  /* One packet, or one more slice of it. NULL: the stage does no work (edfpipe's `fwd`). */
  enum edfpipe_verdict (*process)(void *state, struct edfpipe_pkt *pkt, uint64_t *resume, uint64_t until_tsc,
                                  uint32_t *reason);
  void (*worker_stop)(void *config, void *state); /* may be NULL */
  void (*stop)(void *config);                     /* frees config too; may be NULL */
};

/* The one symbol a stage library exports. */
typedef const struct edfpipe_stage_ops *(*edfpipe_stage_fn)(void);
const struct edfpipe_stage_ops *edfpipe_stage(void);

#ifdef __cplusplus
}
#endif

#endif /* EDFPIPE_STAGE_H */

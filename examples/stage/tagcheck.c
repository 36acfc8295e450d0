/* tagcheck: an example edfpipe processing stage, built out of tree as a shared library.
 *
 * Drops UDP packets whose payload starts with the byte `drop_byte` under its own reason `marked`;
 * over every other UDP payload it computes a Fletcher-16 checksum (work proportional to the
 * packet, as a real stage does) and keeps per-worker totals, printed when edfpipe stops. Other
 * traffic passes unchanged.
 *
 *   make                      # cc -shared -fPIC $(pkg-config --cflags edfpipe) -o tagcheck.so
 *   edfpipe <EAL args> -- --stage-lib ./tagcheck.so --processing tagcheck \
 *       --set 'stage tagcheck.drop_byte=0xee'
 *
 * or in the profile:
 *   [pipeline]
 *   processing = tagcheck
 *   [stage tagcheck]
 *   drop_byte = 0xee
 */
#include <edfpipe/stage.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Written by configure before EAL starts; read by start and worker_start. */
struct tagcheck_config {
  int drop_byte; /* -1 until configured */
};

/* One per EDF worker: only that worker's lcore touches it while the workers run. */
struct tagcheck_worker {
  uint8_t drop_byte;
  unsigned index;
  uint64_t checked; /* packets checksummed */
  uint64_t sum;     /* their checksums added up (a real stage would use them) */
};

static const char *const tagcheck_reasons[] = {"marked", NULL};
enum { REASON_MARKED = 0 }; /* index in tagcheck_reasons */

static int tagcheck_configure(void **config, const char *key, const char *value, char *err, size_t err_len) {
  struct tagcheck_config *c = *config;
  if (c == NULL) {
    c = malloc(sizeof *c);
    if (c == NULL) {
      snprintf(err, err_len, "out of memory");
      return -1;
    }
    c->drop_byte = -1;
    *config = c;
  }
  if (strcmp(key, "drop_byte") == 0) {
    char *end;
    const unsigned long v = strtoul(value, &end, 16); /* takes "ee" and "0xee" */
    if (strchr("0123456789abcdefABCDEF", value[0]) == NULL || value[0] == '\0' || *end != '\0' || v > 0xff) {
      snprintf(err, err_len, "expected one byte in hex, 00 to ff (e.g. 0xee)");
      return -1;
    }
    c->drop_byte = (int)v;
    return 0;
  }
  snprintf(err, err_len, "unknown key (tagcheck takes drop_byte)");
  return -1;
}

/* After EAL started: what configure could not check (a missing key). */
static int tagcheck_start(void *config, unsigned n_workers, char *err, size_t err_len) {
  const struct tagcheck_config *c = config;
  (void)n_workers;
  if (c == NULL || c->drop_byte < 0) {
    snprintf(err, err_len, "[stage tagcheck] needs drop_byte");
    return -1;
  }
  return 0;
}

/* On the main lcore, once per worker: the only place (with start) where the stage allocates. */
static void *tagcheck_worker_start(void *config, unsigned worker, int socket, char *err, size_t err_len) {
  const struct tagcheck_config *c = config;
  struct tagcheck_worker *w = calloc(1, sizeof *w);
  (void)socket;
  if (w == NULL) {
    snprintf(err, err_len, "out of memory");
    return NULL;
  }
  w->drop_byte = (uint8_t)c->drop_byte;
  w->index = worker;
  return w;
}

/* Fletcher-16 (RFC 1146): two running sums modulo 255. */
static uint16_t fletcher16(const uint8_t *p, size_t n) {
  uint32_t a = 0, b = 0;
  while (n > 0) {
    size_t chunk = n < 5802 ? n : 5802; /* bytes before b could overflow 32 bits */
    n -= chunk;
    while (chunk-- > 0) {
      a += *p++;
      b += a;
    }
    a %= 255;
    b %= 255;
  }
  return (uint16_t)(b << 8 | a);
}

/* On the worker's lcore, once per packet: no allocation, no lock, no I/O. This stage finishes
 * each packet in one call, so it never returns EDFPIPE_YIELD and ignores resume and until_tsc. */
static enum edfpipe_verdict tagcheck_process(void *state, struct edfpipe_pkt *pkt, uint64_t *resume,
                                             uint64_t until_tsc, uint32_t *reason) {
  struct tagcheck_worker *w = state;
  (void)resume;
  (void)until_tsc;
  if (pkt->l4_offset == 0 || pkt->payload_len == 0) return EDFPIPE_DONE; /* not UDP, or empty */
  const uint8_t *payload = pkt->data + pkt->l4_offset + 8;              /* after the UDP header */
  /* The headers are in the first segment (pkt->data_len bytes); a long payload may go on in the
   * next ones, which this example leaves out (walking them needs DPDK's rte_mbuf.h: pkt->mbuf). */
  const size_t in_first = pkt->data_len - ((size_t)pkt->l4_offset + 8);
  if (in_first == 0) return EDFPIPE_DONE;
  if (payload[0] == w->drop_byte) {
    *reason = REASON_MARKED; /* edfpipe frees the mbuf and counts the drop for the packet's class */
    return EDFPIPE_DROP;
  }
  w->sum += fletcher16(payload, pkt->payload_len < in_first ? pkt->payload_len : in_first);
  w->checked++;
  return EDFPIPE_DONE;
}

/* On the main lcore after the workers returned. */
static void tagcheck_worker_stop(void *config, void *state) {
  struct tagcheck_worker *w = state;
  (void)config;
  fprintf(stderr, "tagcheck: worker %u checksummed %llu packets (sum %llu)\n", w->index,
          (unsigned long long)w->checked, (unsigned long long)w->sum);
  free(w);
}

static void tagcheck_stop(void *config) { free(config); }

static const struct edfpipe_stage_ops tagcheck_ops = {
    .abi_version = EDFPIPE_STAGE_ABI_VERSION,
    .name = "tagcheck",
    .drop_reasons = tagcheck_reasons,
    .configure = tagcheck_configure,
    .start = tagcheck_start,
    .worker_start = tagcheck_worker_start,
    .process = tagcheck_process,
    .worker_stop = tagcheck_worker_stop,
    .stop = tagcheck_stop,
};

/* The one symbol edfpipe looks up. */
const struct edfpipe_stage_ops *edfpipe_stage(void) { return &tagcheck_ops; }

// stage_crypto.cc: the `crypto` stage: AES-GCM over the UDP payload through rte_cryptodev.
//
// Encrypt turns a UDP payload P into [IV (12 bytes) | ciphertext of P | tag (16 bytes)], 28 bytes
// longer; decrypt turns that back into P, or drops the packet when the tag does not verify. The
// AAD is empty (the headers are not authenticated: a router may rewrite them), so the stage is a
// payload cipher between two edfpipes that share a key, not a tunnel protocol. AES-GCM is NIST
// SP 800-38D; the IV layout is that of RFC 4106 (4-byte fixed part, 8-byte counter): bytes 0-3 are
// a random 32-bit salt drawn at start plus the worker index, bytes 4-11 a per-worker counter that
// starts at a random value. An IV is then unique for one key within a run (up to 2^64 packets per
// worker); across runs with the same key a repeat needs the same salt and overlapping counter
// ranges from random 64-bit starts.
//
// [stage crypto] keys, checked by configure (start says which required ones are missing):
//   key        32 or 64 hex digits: AES-128-GCM or AES-256-GCM (required)
//   direction  encrypt | decrypt | roundtrip (required); roundtrip encrypts and decrypts again in
//              place, the payload unchanged: the work of both directions in one edfpipe, so that a
//              load run (tools/loadrun --stage crypto) keeps its generator's payload tags
//   classes    `all` (default) or a comma list of class indexes 0-7, in profile order; packets of
//              other classes pass unchanged
//   device     the cryptodev to use: one EAL already created (--vdev) or a name that starts with a
//              software PMD's driver name, created at start (default crypto_aesni_mb_edfpipe:
//              Intel's ipsec-mb library; a crypto_openssl... device works too, 1.5-3x slower)
//
// Per packet (UDP only: other traffic passes unchanged): one op enqueued on the worker's own queue
// pair and polled until it comes back (a software PMD completes it in the dequeue call), so process
// always returns DONE or DROP. IP and UDP lengths and the IPv4 header checksum are rewritten; the
// UDP checksum is updated incrementally (RFC 1624) over the old and the new payload, so an IPv4
// checksum of 0 (none) stays 0, an IPv6 routing header's final destination needs no special case,
// and a wrong checksum stays wrong. Ethernet padding after the IP packet is cut; a decrypted frame
// shorter than 60 bytes is left short (a NIC pads it).
// Drop reasons: no_room (the frame cannot grow by 28 bytes in its mbuf, or the IP packet would
// pass 65535 bytes), too_short (decrypt: payload under 28 bytes), auth_failed (decrypt: the tag
// does not verify), multi_segment (the frame spans several mbufs: not supported), crypto_error (the
// device refused the op or failed it otherwise).
// Control path (configure, start, worker_start, worker_stop, stop): main lcore. process: the
// worker's lcore, only on its own queue pair and op; no allocation, no lock, no log.
#include <rte_byteorder.h>
#include <rte_cryptodev.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_udp.h>
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "edf/classifier.h"
#include "edf/ones_complement.h"
#include "stages.h"

namespace edf {

namespace {

constexpr uint32_t kIvLen = 12;
constexpr uint32_t kTagLen = 16;
constexpr uint32_t kOverhead = kIvLen + kTagLen;  // bytes encrypt adds to the payload
static_assert(kMaxClasses <= 8, "classes keeps a uint8_t mask");
constexpr uint16_t kQpDescriptors = 64;           // one op in flight per queue pair at most
// The op's IV sits in its private area, right after the symmetric op (the cryptodev convention).
constexpr uint16_t kIvOffset = sizeof(rte_crypto_op) + sizeof(rte_crypto_sym_op);
constexpr const char* kDefaultDevice = "crypto_aesni_mb_edfpipe";
constexpr int kRoundtrip = 2;  // a direction: encrypt, then decrypt (RTE_CRYPTO_AEAD_OP_* are 0 and 1)

enum Reason : uint32_t { kNoRoom, kTooShort, kAuthFailed, kMultiSegment, kCryptoError };
constexpr const char* kReasons[] = {"no_room", "too_short", "auth_failed", "multi_segment", "crypto_error", nullptr};

// configure: wo (main lcore, before EAL); start/worker_start/stop: rw (main lcore); workers: never
// (each copies what it needs into its CryptoWorker).
struct CryptoConfig {
  std::array<uint8_t, 32> key{};
  size_t key_len = 0;  // 0: not configured
  int direction = -1;  // -1: not configured, else RTE_CRYPTO_AEAD_OP_ENCRYPT, _DECRYPT or kRoundtrip
  uint8_t class_mask = 0xff;
  std::string device = kDefaultDevice;

  int dev_id = -1;
  bool created = false;  // start created the device (stop removes it)
  bool started = false;
  unsigned n_workers = 0;
  unsigned qps_ready = 0;  // queue pairs set up by worker_start; the device starts at n_workers
  rte_mempool* sess_pool = nullptr;
  void* session = nullptr;
  void* session_dec = nullptr;  // roundtrip: the decrypting session (session encrypts)
  uint32_t salt = 0;
};

// One EDF worker's state: its own lcore reads and writes it, nobody else while it runs.
struct alignas(RTE_CACHE_LINE_SIZE) CryptoWorker {
  rte_crypto_op* op;
  rte_crypto_op* op_dec;  // roundtrip: the op of the decrypting session
  uint64_t iv_counter;
  uint32_t iv_fixed;  // big-endian on the wire: salt + worker index
  uint16_t qp;
  uint8_t dev_id;
  uint8_t class_mask;
  int direction;
  rte_mempool* op_pool;
};

int fail(char* err, size_t err_len, const char* fmt, auto... args) {
  // The format strings are literals of this file: no user text is ever used as a format.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
  std::snprintf(err, err_len, fmt, args...);
#pragma GCC diagnostic pop
  return -1;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int parse_key(CryptoConfig& c, std::string_view v, char* err, size_t err_len) {
  if (v.size() != 32 && v.size() != 64)
    return fail(err, err_len, "expected 32 or 64 hex digits (an AES-128 or AES-256 key), got %zu characters",
                v.size());
  for (size_t i = 0; i < v.size(); i += 2) {
    const int hi = hex_digit(v[i]), lo = hex_digit(v[i + 1]);
    if (hi < 0 || lo < 0) return fail(err, err_len, "not a hex digit at character %zu", hi < 0 ? i + 1 : i + 2);
    c.key[i / 2] = static_cast<uint8_t>((hi << 4) | lo);
  }
  c.key_len = v.size() / 2;
  return 0;
}

int parse_classes(CryptoConfig& c, std::string_view v, char* err, size_t err_len) {
  if (v == "all") {
    c.class_mask = 0xff;
    return 0;
  }
  uint8_t mask = 0;
  while (true) {
    const size_t comma = v.find(',');
    std::string_view item = v.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    unsigned idx = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), idx);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || idx >= kMaxClasses)
      return fail(err, err_len, "expected `all` or a comma list of class indexes 0-%u (in profile order), got '%.*s'",
                  static_cast<unsigned>(kMaxClasses - 1), static_cast<int>(item.size()), item.data());
    mask = static_cast<uint8_t>(mask | (1u << idx));
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  c.class_mask = mask;
  return 0;
}

int crypto_configure(void** config, const char* key, const char* value, char* err, size_t err_len) {
  if (*config == nullptr) *config = new CryptoConfig;
  auto& c = *static_cast<CryptoConfig*>(*config);
  const std::string_view k(key), v(value);
  if (k == "key") return parse_key(c, v, err, err_len);
  if (k == "direction") {
    if (v == "encrypt") c.direction = RTE_CRYPTO_AEAD_OP_ENCRYPT;
    else if (v == "decrypt") c.direction = RTE_CRYPTO_AEAD_OP_DECRYPT;
    else if (v == "roundtrip") c.direction = kRoundtrip;
    else return fail(err, err_len, "expected encrypt, decrypt or roundtrip");
    return 0;
  }
  if (k == "classes") return parse_classes(c, v, err, err_len);
  if (k == "device") {
    const bool ok_chars = !v.empty() && v.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == v.npos;
    if (!ok_chars || v.size() >= RTE_CRYPTODEV_NAME_MAX_LEN)
      return fail(err, err_len, "expected a cryptodev name of [a-z0-9_], shorter than %d characters "
                  "(e.g. crypto_aesni_mb_1, crypto_openssl_1)", RTE_CRYPTODEV_NAME_MAX_LEN);
    c.device = v;
    return 0;
  }
  return fail(err, err_len, "unknown key (crypto takes key, direction, classes, device)");
}

void crypto_stop(void* config) {
  if (config == nullptr) return;
  auto* c = static_cast<CryptoConfig*>(config);
  if (c->dev_id >= 0) {
    const auto dev = static_cast<uint8_t>(c->dev_id);
    if (c->started) rte_cryptodev_stop(dev);
    if (c->session != nullptr) (void)rte_cryptodev_sym_session_free(dev, c->session);
    if (c->session_dec != nullptr) (void)rte_cryptodev_sym_session_free(dev, c->session_dec);
    (void)rte_cryptodev_close(dev);
  }
  if (c->created) (void)rte_eal_hotplug_remove("vdev", c->device.c_str());
  rte_mempool_free(c->sess_pool);
  explicit_bzero(c->key.data(), c->key.size());
  delete c;
}

int crypto_start(void* config, unsigned n_workers, char* err, size_t err_len) {
  if (config == nullptr) return fail(err, err_len, "no key and no direction: set them in [stage crypto]");
  auto& c = *static_cast<CryptoConfig*>(config);
  if (c.key_len == 0) return fail(err, err_len, "no key: set [stage crypto] key (32 or 64 hex digits)");
  if (c.direction < 0)
    return fail(err, err_len, "no direction: set [stage crypto] direction (encrypt, decrypt or roundtrip)");
  const char* dev_name = c.device.c_str();

  c.dev_id = rte_cryptodev_get_dev_id(dev_name);
  if (c.dev_id < 0) {
    const std::string args = "max_nb_queue_pairs=" + std::to_string(n_workers);
    const int rc = rte_eal_hotplug_add("vdev", dev_name, args.c_str());
    if (rc != 0)
      return fail(err, err_len, "cannot create crypto device %s (rte_eal_hotplug_add: %s): its name must start with "
                  "a crypto driver's (crypto_aesni_mb, crypto_openssl) and the driver must be installed", dev_name,
                  strerror(-rc));
    c.created = true;
    c.dev_id = rte_cryptodev_get_dev_id(dev_name);
    if (c.dev_id < 0) return fail(err, err_len, "%s: created, but it is not a crypto device", dev_name);
  }
  const auto dev = static_cast<uint8_t>(c.dev_id);

  rte_cryptodev_info info{};
  rte_cryptodev_info_get(dev, &info);
  if (info.max_nb_queue_pairs < n_workers)
    return fail(err, err_len, "%s has %u queue pairs, %u EDF workers need one each", dev_name,
                info.max_nb_queue_pairs, n_workers);
  rte_cryptodev_sym_capability_idx want{};
  want.type = RTE_CRYPTO_SYM_XFORM_AEAD;
  want.algo.aead = RTE_CRYPTO_AEAD_AES_GCM;
  const rte_cryptodev_symmetric_capability* cap = rte_cryptodev_sym_capability_get(dev, &want);
  if (cap == nullptr || rte_cryptodev_sym_capability_check_aead(cap, static_cast<uint16_t>(c.key_len), kTagLen, 0,
                                                                kIvLen) != 0)
    return fail(err, err_len, "%s (%s) cannot do AES-%zu-GCM with a 12-byte IV, 16-byte tag and no AAD", dev_name,
                info.driver_name, c.key_len * 8);

  const int socket = rte_cryptodev_socket_id(dev);
  rte_cryptodev_config dc{};
  dc.socket_id = socket;
  dc.nb_queue_pairs = static_cast<uint16_t>(n_workers);
  dc.ff_disable = RTE_CRYPTODEV_FF_ASYMMETRIC_CRYPTO | RTE_CRYPTODEV_FF_SECURITY;
  if (const int rc = rte_cryptodev_configure(dev, &dc); rc != 0)
    return fail(err, err_len, "%s: configure with %u queue pairs failed (%s)", dev_name, n_workers, strerror(-rc));

  const std::string pool_name = "edfcrypto_sess" + std::to_string(c.dev_id);
  c.sess_pool = rte_cryptodev_sym_session_pool_create(pool_name.c_str(), 4,
                                                      rte_cryptodev_sym_get_private_session_size(dev), 0, 0, socket);
  if (c.sess_pool == nullptr)
    return fail(err, err_len, "%s: no memory for the session pool (%s)", dev_name, rte_strerror(rte_errno));
  rte_crypto_sym_xform xf{};
  xf.type = RTE_CRYPTO_SYM_XFORM_AEAD;
  xf.aead.op = c.direction == kRoundtrip ? RTE_CRYPTO_AEAD_OP_ENCRYPT : static_cast<rte_crypto_aead_operation>(c.direction);
  xf.aead.algo = RTE_CRYPTO_AEAD_AES_GCM;
  xf.aead.key.data = c.key.data();
  xf.aead.key.length = static_cast<uint16_t>(c.key_len);
  xf.aead.iv.offset = kIvOffset;
  xf.aead.iv.length = kIvLen;
  xf.aead.digest_length = kTagLen;
  xf.aead.aad_length = 0;
  c.session = rte_cryptodev_sym_session_create(dev, &xf, c.sess_pool);
  if (c.session == nullptr) return fail(err, err_len, "%s: cannot create the AES-GCM session (%s)", dev_name,
                                        rte_strerror(rte_errno));
  if (c.direction == kRoundtrip) {
    xf.aead.op = RTE_CRYPTO_AEAD_OP_DECRYPT;
    c.session_dec = rte_cryptodev_sym_session_create(dev, &xf, c.sess_pool);
    if (c.session_dec == nullptr) return fail(err, err_len, "%s: cannot create the decrypting AES-GCM session (%s)",
                                              dev_name, rte_strerror(rte_errno));
  }
  explicit_bzero(c.key.data(), c.key.size());  // the session holds the expanded key now

  if (getrandom(&c.salt, sizeof c.salt, 0) != static_cast<ssize_t>(sizeof c.salt))
    return fail(err, err_len, "getrandom: %s", strerror(errno));
  c.n_workers = n_workers;
  return 0;
}

void* crypto_worker_start(void* config, unsigned worker, int socket, char* err, size_t err_len) {
  auto& c = *static_cast<CryptoConfig*>(config);
  const auto dev = static_cast<uint8_t>(c.dev_id);
  const auto qp = static_cast<uint16_t>(worker);
  rte_cryptodev_qp_conf qc{};
  qc.nb_descriptors = kQpDescriptors;
  qc.mp_session = c.sess_pool;
  if (const int rc = rte_cryptodev_queue_pair_setup(dev, qp, &qc, socket); rc != 0) {
    fail(err, err_len, "%s: queue pair %u on socket %d: %s", c.device.c_str(), worker, socket, strerror(-rc));
    return nullptr;
  }
  // Queue pairs cannot be set up on a started device: start it once every worker has its own.
  if (++c.qps_ready == c.n_workers) {
    if (const int rc = rte_cryptodev_start(dev); rc != 0) {
      fail(err, err_len, "%s: start failed (%s)", c.device.c_str(), strerror(-rc));
      return nullptr;
    }
    c.started = true;
  }

  auto* w = static_cast<CryptoWorker*>(rte_zmalloc_socket("edfcrypto_worker", sizeof(CryptoWorker),
                                                          RTE_CACHE_LINE_SIZE, socket));
  const std::string pool_name = "edfcrypto_op" + std::to_string(c.dev_id) + "_" + std::to_string(worker);
  rte_mempool* pool = w == nullptr ? nullptr
      : rte_crypto_op_pool_create(pool_name.c_str(), RTE_CRYPTO_OP_TYPE_SYMMETRIC, 2, 0, kIvLen, socket);
  rte_crypto_op* op = pool == nullptr ? nullptr : rte_crypto_op_alloc(pool, RTE_CRYPTO_OP_TYPE_SYMMETRIC);
  rte_crypto_op* op_dec = op == nullptr || c.direction != kRoundtrip
      ? nullptr : rte_crypto_op_alloc(pool, RTE_CRYPTO_OP_TYPE_SYMMETRIC);
  if (op == nullptr || (c.direction == kRoundtrip && op_dec == nullptr)) {
    if (op) rte_crypto_op_free(op);
    rte_mempool_free(pool);
    rte_free(w);
    fail(err, err_len, "%s: no memory for worker %u's crypto op on socket %d", c.device.c_str(), worker, socket);
    return nullptr;
  }
  (void)rte_crypto_op_attach_sym_session(op, c.session);
  if (op_dec) (void)rte_crypto_op_attach_sym_session(op_dec, c.session_dec);
  w->op = op;
  w->op_dec = op_dec;
  w->op_pool = pool;
  w->qp = qp;
  w->dev_id = dev;
  w->class_mask = c.class_mask;
  w->direction = c.direction;
  w->iv_fixed = rte_cpu_to_be_32(c.salt + worker);
  if (getrandom(&w->iv_counter, sizeof w->iv_counter, 0) != static_cast<ssize_t>(sizeof w->iv_counter)) {
    rte_crypto_op_free(op);
    if (op_dec) rte_crypto_op_free(op_dec);
    rte_mempool_free(pool);
    rte_free(w);
    fail(err, err_len, "getrandom: %s", strerror(errno));
    return nullptr;
  }
  return w;
}

void crypto_worker_stop(void* /*config*/, void* state) {
  auto* w = static_cast<CryptoWorker*>(state);
  if (w == nullptr) return;
  rte_crypto_op_free(w->op);
  if (w->op_dec) rte_crypto_op_free(w->op_dec);
  rte_mempool_free(w->op_pool);
  rte_free(w);
}

// ---------------------------------------------------------------- per packet

// 16-bit words as they lie in memory, so that one's-complement sums (RFC 1071) over packet bytes
// (rte_raw_cksum) and header fields mix without byte swaps; edf/ones_complement.h folds them.
inline uint16_t load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
inline void store16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }

// Rewrites the lengths of the IP and UDP headers by `delta` bytes and the UDP checksum for the
// payload change, as RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') with m the old and m' the new words
// (the UDP length counts twice: header and pseudo-header). old_sum and new_sum are rte_raw_cksum
// of the old and new payload.
void fix_headers(const edfpipe_pkt& pkt, int delta, uint16_t old_sum, uint16_t new_sum) {
  uint8_t* l3 = pkt.data + pkt.l3_offset;
  if (pkt.ip_version == 4) {
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(l3);
    ip->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(rte_be_to_cpu_16(ip->total_length) + delta));
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
  } else {
    auto* ip = reinterpret_cast<rte_ipv6_hdr*>(l3);
    ip->payload_len = rte_cpu_to_be_16(static_cast<uint16_t>(rte_be_to_cpu_16(ip->payload_len) + delta));
  }
  uint8_t* udp = pkt.data + pkt.l4_offset;
  const uint16_t old_len = load16(udp + 4);
  const uint16_t new_len = rte_cpu_to_be_16(static_cast<uint16_t>(rte_be_to_cpu_16(old_len) + delta));
  store16(udp + 4, new_len);
  const uint16_t old_ck = load16(udp + 6);
  if (old_ck == 0) return;  // IPv4 without a checksum stays so (IPv6 never has 0: the parser drops it)
  uint32_t s = static_cast<uint16_t>(~old_ck);
  s += 2u * static_cast<uint16_t>(~old_len) + static_cast<uint16_t>(~old_sum);
  s += 2u * new_len + new_sum;
  uint16_t ck = static_cast<uint16_t>(~ones_fold32(s));
  if (ck == 0) ck = 0xffff;  // 0 means "no checksum" over UDP (RFC 768)
  store16(udp + 6, ck);
}

// Runs `op`, prepared by set_op, on the worker's queue pair and waits for it.
rte_crypto_op_status run_op(CryptoWorker& w, rte_crypto_op* op) {
  op->status = RTE_CRYPTO_OP_STATUS_NOT_PROCESSED;
  if (rte_cryptodev_enqueue_burst(w.dev_id, w.qp, &op, 1) != 1) return RTE_CRYPTO_OP_STATUS_ERROR;
  // A software PMD processes the op inside the dequeue call; the op (and the mbuf) belong to the
  // device until it comes back, so there is no giving up half way.
  rte_crypto_op* done = nullptr;
  while (rte_cryptodev_dequeue_burst(w.dev_id, w.qp, &done, 1) == 0) rte_pause();
  return static_cast<rte_crypto_op_status>(done->status);
}

void set_op(rte_crypto_op* op, rte_mbuf* m, uint32_t data_off, uint32_t data_len, const uint8_t* iv, uint8_t* tag) {
  rte_crypto_sym_op* sym = op->sym;
  sym->m_src = m;
  sym->m_dst = nullptr;
  sym->aead.data.offset = data_off;
  sym->aead.data.length = data_len;
  sym->aead.digest.data = tag;
  sym->aead.digest.phys_addr = rte_pktmbuf_iova_offset(m, data_off + data_len);
  sym->aead.aad.data = tag;  // length 0: never read
  sym->aead.aad.phys_addr = sym->aead.digest.phys_addr;
  std::memcpy(rte_crypto_op_ctod_offset(op, uint8_t*, kIvOffset), iv, kIvLen);
}

// Where a packet's UDP payload lies, as both directions need it.
struct Payload {
  explicit Payload(const edfpipe_pkt& pkt)
      : m(pkt.mbuf),
        len(pkt.payload_len),
        at(pkt.data + pkt.l4_offset + sizeof(rte_udp_hdr)),
        off(static_cast<uint32_t>(at - rte_pktmbuf_mtod(m, uint8_t*))),
        ip_end(off + len),  // the IP packet ends with the UDP payload
        has_ck(load16(pkt.data + pkt.l4_offset + 6) != 0) {}
  rte_mbuf* m;
  uint32_t len;
  uint8_t* at;
  uint32_t off;
  uint32_t ip_end;
  bool has_ck;
  [[nodiscard]] uint16_t sum(uint32_t n) const { return has_ck ? rte_raw_cksum(at, n) : 0; }
};

edfpipe_verdict drop(uint32_t* reason, Reason r) {
  *reason = r;
  return EDFPIPE_DROP;
}

// After the payload changed by `delta` bytes: the headers, and what the stage tells edfpipe.
edfpipe_verdict finish(edfpipe_pkt* pkt, const Payload& p, int delta, uint16_t old_sum) {
  const auto new_len = static_cast<uint32_t>(static_cast<int>(p.len) + delta);
  fix_headers(*pkt, delta, old_sum, p.sum(new_len));
  pkt->payload_len = static_cast<uint16_t>(new_len);
  pkt->data_len = p.m->data_len;
  pkt->pkt_len = p.m->pkt_len;
  return EDFPIPE_DONE;
}

// Encrypts pkt's UDP payload in place with `op`: [IV | ciphertext | tag], 28 bytes longer.
edfpipe_verdict encrypt(CryptoWorker& w, rte_crypto_op* op, edfpipe_pkt* pkt, uint32_t* reason) {
  const Payload p(*pkt);
  const uint32_t ip_len = p.ip_end - pkt->l3_offset - (pkt->ip_version == 6 ? uint32_t{sizeof(rte_ipv6_hdr)} : 0u);
  if (ip_len + kOverhead > UINT16_MAX) return drop(reason, kNoRoom);
  const uint32_t new_end = p.ip_end + kOverhead;
  if (p.m->data_len < new_end) {
    if (rte_pktmbuf_append(p.m, static_cast<uint16_t>(new_end - p.m->data_len)) == nullptr) return drop(reason, kNoRoom);
  } else if (p.m->data_len > new_end) {
    (void)rte_pktmbuf_trim(p.m, static_cast<uint16_t>(p.m->data_len - new_end));
  }
  const uint16_t old_sum = p.sum(p.len);
  std::memmove(p.at + kIvLen, p.at, p.len);
  std::array<uint8_t, kIvLen> iv;
  std::memcpy(iv.data(), &w.iv_fixed, 4);
  const uint64_t ctr = rte_cpu_to_be_64(w.iv_counter++);
  std::memcpy(iv.data() + 4, &ctr, 8);
  std::memcpy(p.at, iv.data(), kIvLen);
  set_op(op, p.m, p.off + kIvLen, p.len, iv.data(), p.at + kIvLen + p.len);
  if (run_op(w, op) != RTE_CRYPTO_OP_STATUS_SUCCESS) return drop(reason, kCryptoError);
  return finish(pkt, p, static_cast<int>(kOverhead), old_sum);
}

// Decrypts pkt's UDP payload in place with `op`, checking the tag; 28 bytes shorter.
edfpipe_verdict decrypt(CryptoWorker& w, rte_crypto_op* op, edfpipe_pkt* pkt, uint32_t* reason) {
  const Payload p(*pkt);
  if (p.len < kOverhead) return drop(reason, kTooShort);
  const uint32_t ct_len = p.len - kOverhead;
  const uint16_t old_sum = p.sum(p.len);
  set_op(op, p.m, p.off + kIvLen, ct_len, p.at, p.at + kIvLen + ct_len);
  const rte_crypto_op_status st = run_op(w, op);
  if (st == RTE_CRYPTO_OP_STATUS_AUTH_FAILED) return drop(reason, kAuthFailed);
  if (st != RTE_CRYPTO_OP_STATUS_SUCCESS) return drop(reason, kCryptoError);
  std::memmove(p.at, p.at + kIvLen, ct_len);
  (void)rte_pktmbuf_trim(p.m, static_cast<uint16_t>(p.m->data_len - (p.ip_end - kOverhead)));
  return finish(pkt, p, -static_cast<int>(kOverhead), old_sum);
}

edfpipe_verdict crypto_process(void* state, edfpipe_pkt* pkt, uint64_t* /*resume*/, uint64_t /*until_tsc*/,
                               uint32_t* reason) {
  auto& w = *static_cast<CryptoWorker*>(state);
  if (pkt->l4_offset == 0 || ((w.class_mask >> pkt->cls) & 1u) == 0) return EDFPIPE_DONE;
  if (pkt->mbuf == nullptr) return drop(reason, kNoRoom);  // edfpipe's unit tests: no mbuf to grow or give the device
  if (pkt->mbuf->nb_segs != 1) return drop(reason, kMultiSegment);
  if (w.direction == RTE_CRYPTO_AEAD_OP_DECRYPT) return decrypt(w, w.op, pkt, reason);
  const edfpipe_verdict v = encrypt(w, w.op, pkt, reason);
  if (v != EDFPIPE_DONE || w.direction != kRoundtrip) return v;
  return decrypt(w, w.op_dec, pkt, reason);
}

constexpr edfpipe_stage_ops kOps = {
    EDFPIPE_STAGE_ABI_VERSION, "crypto", kReasons, crypto_configure, crypto_start, crypto_worker_start,
    crypto_process,            crypto_worker_stop, crypto_stop,
};

}  // namespace

const edfpipe_stage_ops* crypto_stage_ops() { return &kOps; }

}  // namespace edf

// alloc_counter.c: an LD_PRELOAD library that counts heap allocations per kind of thread.
//
// Why: STYLE rule 5 says nothing on an lcore may allocate. The integration suite runs edfpipe
// with this library preloaded over pcaps of different lengths and compares the counts: a count
// on the worker lcores that grows with the number of packets is an allocation per packet.
//
// It interposes malloc, calloc, realloc, reallocarray, free, posix_memalign, aligned_alloc,
// memalign, valloc and pvalloc, forwards each call to the next definition (glibc's, found with
// dlsym(RTLD_NEXT)), and counts the call against the calling thread's kind:
//   worker  threads whose name (prctl PR_GET_NAME) starts with "rte-worker" or "lcore-worker":
//           the threads that run worker lcores. DPDK 22.11.11 (Debian 12) names them
//           "rte-worker-N"; earlier 22.11 releases named them "lcore-worker-N".
//   main    the process's first thread (tid == pid)
//   other   every other thread (eal-intr-thread, rte_mp_handle, telemetry, ...)
// A thread is classified at each call, because EAL names its workers after creating them.
// At exit it writes one JSON object to the file named by ALLOC_COUNT_FILE (stderr if unset):
//   {"worker_allocs": N, "worker_frees": N, "main_allocs": N, "main_frees": N,
//    "other_allocs": N, "other_frees": N, "bootstrap_allocs": N}
// Not counted: rte_malloc (DPDK's own heap in hugepage memory), mmap, anything that glibc
// allocates through its internal entry points. Each counted call costs two syscalls; this is a
// test tool, not a profiler.
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef void* (*malloc_fn)(size_t);
typedef void* (*calloc_fn)(size_t, size_t);
typedef void* (*realloc_fn)(void*, size_t);
typedef void (*free_fn)(void*);
typedef int (*posix_memalign_fn)(void**, size_t, size_t);
typedef void* (*aligned_alloc_fn)(size_t, size_t);
typedef void* (*memalign_fn)(size_t, size_t);
typedef void* (*valloc_fn)(size_t);

static malloc_fn real_malloc;
static calloc_fn real_calloc;
static realloc_fn real_realloc;
static free_fn real_free;
static posix_memalign_fn real_posix_memalign;
static aligned_alloc_fn real_aligned_alloc;
static memalign_fn real_memalign;
static valloc_fn real_valloc;
static valloc_fn real_pvalloc;

enum { kWorker, kMain, kOther, kKinds };
static uint64_t allocs[kKinds];
static uint64_t frees[kKinds];
static uint64_t bootstrap_allocs;

// dlsym() may call calloc() before real_calloc is known: such calls are served from this buffer.
// Each block starts with its size so that realloc() can copy it; blocks are never given back.
static _Alignas(16) unsigned char bootstrap[65536];
static size_t bootstrap_used;
static int resolving;

static int in_bootstrap(const void* p) {
  return (const unsigned char*)p >= bootstrap && (const unsigned char*)p < bootstrap + sizeof bootstrap;
}

static void* bootstrap_alloc(size_t n) {
  const size_t need = 16 + ((n + 15) & ~(size_t)15);
  size_t start = __atomic_fetch_add(&bootstrap_used, need, __ATOMIC_RELAXED);
  if (start + need > sizeof bootstrap) return NULL;
  memcpy(bootstrap + start, &n, sizeof n);
  __atomic_fetch_add(&bootstrap_allocs, 1, __ATOMIC_RELAXED);
  return memset(bootstrap + start + 16, 0, n);
}

static size_t bootstrap_size(const void* p) {
  size_t n;
  memcpy(&n, (const unsigned char*)p - 16, sizeof n);
  return n;
}

// Assigning through memcpy keeps ISO C's object/function pointer rule (-Wpedantic) quiet.
static void resolve_one(const char* name, void* fn_slot) {
  void* sym = dlsym(RTLD_NEXT, name);
  memcpy(fn_slot, &sym, sizeof sym);
}

static void resolve(void) {
  if (real_free) return;
  resolving = 1;
  resolve_one("malloc", &real_malloc);
  resolve_one("calloc", &real_calloc);
  resolve_one("realloc", &real_realloc);
  resolve_one("posix_memalign", &real_posix_memalign);
  resolve_one("aligned_alloc", &real_aligned_alloc);
  resolve_one("memalign", &real_memalign);
  resolve_one("valloc", &real_valloc);
  resolve_one("pvalloc", &real_pvalloc);
  resolve_one("free", &real_free);
  resolving = 0;
  if (!real_malloc || !real_calloc || !real_realloc || !real_free) {
    static const char msg[] = "alloc_counter: dlsym(RTLD_NEXT) did not find malloc/calloc/realloc/free\n";
    (void)!write(2, msg, sizeof msg - 1);
    abort();
  }
}

static int thread_kind(void) {
  char name[17] = {0};
  if (prctl(PR_GET_NAME, (unsigned long)name, 0, 0, 0) == 0 &&
      (strncmp(name, "rte-worker", 10) == 0 || strncmp(name, "lcore-worker", 12) == 0))
    return kWorker;
  return syscall(SYS_gettid) == getpid() ? kMain : kOther;
}

static void count_alloc(void) { __atomic_fetch_add(&allocs[thread_kind()], 1, __ATOMIC_RELAXED); }

void* malloc(size_t n) {
  if (!real_malloc) {
    if (resolving) return bootstrap_alloc(n);
    resolve();
  }
  count_alloc();
  return real_malloc(n);
}

void* calloc(size_t k, size_t n) {
  if (!real_calloc) {
    if (resolving) return (n && k > SIZE_MAX / n) ? NULL : bootstrap_alloc(k * n);
    resolve();
  }
  count_alloc();
  return real_calloc(k, n);
}

void* realloc(void* p, size_t n) {
  if (!real_realloc) {
    if (resolving) {
      void* q = bootstrap_alloc(n);
      if (q && p) memcpy(q, p, bootstrap_size(p) < n ? bootstrap_size(p) : n);
      return q;
    }
    resolve();
  }
  count_alloc();
  if (p && in_bootstrap(p)) {
    void* q = real_malloc(n);
    if (q) memcpy(q, p, bootstrap_size(p) < n ? bootstrap_size(p) : n);
    return q;
  }
  return real_realloc(p, n);
}

void* reallocarray(void* p, size_t k, size_t n) {
  if (n && k > SIZE_MAX / n) {
    errno = ENOMEM;
    return NULL;
  }
  return realloc(p, k * n);  // counted there
}

void free(void* p) {
  if (!p || in_bootstrap(p)) return;
  if (!real_free) resolve();
  __atomic_fetch_add(&frees[thread_kind()], 1, __ATOMIC_RELAXED);
  real_free(p);
}

int posix_memalign(void** out, size_t align, size_t n) {
  resolve();
  count_alloc();
  return real_posix_memalign(out, align, n);
}

void* aligned_alloc(size_t align, size_t n) {
  resolve();
  count_alloc();
  return real_aligned_alloc(align, n);
}

void* memalign(size_t align, size_t n) {
  resolve();
  count_alloc();
  return real_memalign(align, n);
}

void* valloc(size_t n) {
  resolve();
  count_alloc();
  return real_valloc(n);
}

void* pvalloc(size_t n) {
  resolve();
  count_alloc();
  return real_pvalloc(n);
}

// Runs at exit (after main returns or exit() is called). Uses only the stack and syscalls so that
// it neither allocates nor depends on stdio's state at that point.
__attribute__((destructor)) static void report(void) {
  char buf[512];
  const int len = snprintf(buf, sizeof buf,
                           "{\"worker_allocs\": %llu, \"worker_frees\": %llu, \"main_allocs\": %llu, "
                           "\"main_frees\": %llu, \"other_allocs\": %llu, \"other_frees\": %llu, "
                           "\"bootstrap_allocs\": %llu}\n",
                           (unsigned long long)__atomic_load_n(&allocs[kWorker], __ATOMIC_RELAXED),
                           (unsigned long long)__atomic_load_n(&frees[kWorker], __ATOMIC_RELAXED),
                           (unsigned long long)__atomic_load_n(&allocs[kMain], __ATOMIC_RELAXED),
                           (unsigned long long)__atomic_load_n(&frees[kMain], __ATOMIC_RELAXED),
                           (unsigned long long)__atomic_load_n(&allocs[kOther], __ATOMIC_RELAXED),
                           (unsigned long long)__atomic_load_n(&frees[kOther], __ATOMIC_RELAXED),
                           (unsigned long long)__atomic_load_n(&bootstrap_allocs, __ATOMIC_RELAXED));
  if (len <= 0) return;
  const size_t n = (size_t)len < sizeof buf ? (size_t)len : sizeof buf - 1;
  const char* path = getenv("ALLOC_COUNT_FILE");
  int fd = 2;
  if (path && *path) {
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fd = 2;
  }
  (void)!write(fd, buf, n);
  if (fd != 2) close(fd);
}

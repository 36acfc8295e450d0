// launch_fail.c: an LD_PRELOAD library that makes rte_eal_remote_launch() refuse one lcore.
//
// Why: a launch that fails after other lcores already run is a start-up path no virtual device
// can provoke, and it used to return from main() with telemetry still pointing at the dead
// AppContext and without the final report or the mbuf check. test_hardening.py runs edfpipe with
// this library and EDFIT_FAIL_LAUNCH_LCORE=N: launching lcore N returns -EBUSY (what EAL returns
// for an lcore that is not waiting); every other launch goes to EAL's own function.
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef int(lcore_function_t)(void*);

int rte_eal_remote_launch(lcore_function_t* f, void* arg, unsigned int worker_id);

int rte_eal_remote_launch(lcore_function_t* f, void* arg, unsigned int worker_id) {
  const char* fail = getenv("EDFIT_FAIL_LAUNCH_LCORE");
  if (fail && (unsigned long)atol(fail) == worker_id) return -EBUSY;
  int (*real)(lcore_function_t*, void*, unsigned int);
  void* sym = dlsym(RTLD_NEXT, "rte_eal_remote_launch");
  memcpy(&real, &sym, sizeof real);  // POSIX's object-to-function pointer conversion, kept pedantic-clean
  if (!sym) return -ENOSYS;
  return real(f, arg, worker_id);
}

// eal_args.h: a DPDK program's command line split at the first "--": EAL's options before it,
// the program's own after it, as testpmd and DPDK's examples take them.
//
// Both edfpipe and edfgen parse their own options first, so that --help and a mistake need no EAL
// (and no hugepages), then pass the EAL part to rte_eal_init(). Without "--", every argument is
// EAL's. Nothing is copied: `own` points into argv, which must outlive it. Control path only.
#pragma once

#include <vector>

namespace edf {

struct EalArgs {
  int eal_argc = 0;        // rte_eal_init(eal_argc, argv): argv[0] and the arguments before "--"
  // argv[0], then every argument after "--", then a null pointer (as argv ends): for getopt,
  // as own_argc(), own.data().
  std::vector<char*> own;
  [[nodiscard]] int own_argc() const { return static_cast<int>(own.size()) - 1; }
};

[[nodiscard]] EalArgs split_eal_args(int argc, char** argv);

}  // namespace edf

#include "edf/eal_args.h"

#include <string_view>

namespace edf {

EalArgs split_eal_args(int argc, char** argv) {
  EalArgs a;
  a.eal_argc = argc;
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "--") {
      a.eal_argc = i;
      break;
    }
  if (argc > 0) a.own.push_back(argv[0]);
  for (int i = a.eal_argc + 1; i < argc; ++i) a.own.push_back(argv[i]);
  a.own.push_back(nullptr);
  return a;
}

}  // namespace edf

// Tests for split_eal_args: EAL gets argv[0] and what precedes the first "--", the program the
// rest, null-terminated as argv is; a later "--" is the program's.
#include "edf/eal_args.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace edf {
namespace {

struct Argv {
  std::vector<std::string> words;
  std::vector<char*> ptrs;
  explicit Argv(std::vector<std::string> w) : words(std::move(w)) {
    for (std::string& s : words) ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }
  int argc() const { return static_cast<int>(words.size()); }
};

std::vector<std::string> own_words(const EalArgs& a) {
  EXPECT_EQ(a.own.back(), nullptr);
  std::vector<std::string> w;
  for (int i = 0; i < a.own_argc(); ++i) w.emplace_back(a.own[static_cast<size_t>(i)]);
  return w;
}

TEST(EalArgs, SplitsAtTheFirstDoubleDash) {
  Argv av({"prog", "-l", "0-1", "--", "-f", "x.ini", "--", "more"});
  const EalArgs a = split_eal_args(av.argc(), av.ptrs.data());
  EXPECT_EQ(a.eal_argc, 3);
  EXPECT_EQ(own_words(a), (std::vector<std::string>{"prog", "-f", "x.ini", "--", "more"}));
  EXPECT_EQ(a.own[0], av.ptrs[0]);  // not copied: the same strings
}

TEST(EalArgs, WithoutDoubleDashEverythingIsEals) {
  Argv av({"prog", "-l", "0-1"});
  const EalArgs a = split_eal_args(av.argc(), av.ptrs.data());
  EXPECT_EQ(a.eal_argc, 3);
  EXPECT_EQ(own_words(a), (std::vector<std::string>{"prog"}));
}

TEST(EalArgs, DoubleDashFirstOrLast) {
  Argv first({"prog", "--", "-h"});
  const EalArgs a = split_eal_args(first.argc(), first.ptrs.data());
  EXPECT_EQ(a.eal_argc, 1);
  EXPECT_EQ(own_words(a), (std::vector<std::string>{"prog", "-h"}));
  Argv last({"prog", "-l", "0", "--"});
  const EalArgs b = split_eal_args(last.argc(), last.ptrs.data());
  EXPECT_EQ(b.eal_argc, 3);
  EXPECT_EQ(own_words(b), (std::vector<std::string>{"prog"}));
}

TEST(EalArgs, ArgumentThatMerelyStartsWithDashes) {
  Argv av({"prog", "--vdev", "---", "--", "--flow"});
  const EalArgs a = split_eal_args(av.argc(), av.ptrs.data());
  EXPECT_EQ(a.eal_argc, 3);
  EXPECT_EQ(own_words(a), (std::vector<std::string>{"prog", "--flow"}));
}

TEST(EalArgs, EmptyCommandLine) {
  const EalArgs a = split_eal_args(0, nullptr);
  EXPECT_EQ(a.eal_argc, 0);
  EXPECT_EQ(a.own_argc(), 0);
  ASSERT_EQ(a.own.size(), 1u);
  EXPECT_EQ(a.own[0], nullptr);
}

}  // namespace
}  // namespace edf

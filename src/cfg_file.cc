#include "cfg_file.h"

#include <rte_cfgfile.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <utility>

namespace edf {
namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// Line numbers of sections and of each (section, key) occurrence, in file order.
struct LineIndex {
  std::map<std::string, std::vector<int>> section;  // every occurrence, in order
  std::vector<std::string> errors;                  // lines rte_cfgfile would ignore or refuse
  std::map<std::pair<std::string, std::string>, std::vector<int>> entry;
};

LineIndex index_lines(std::istream& in, const std::string& path) {
  LineIndex idx;
  bool in_section = false;
  std::string line, cur;
  for (int no = 1; std::getline(in, line); ++no) {
    const size_t semi = line.find(';');
    if (semi != std::string::npos) line.resize(semi);
    line = trim(line);
    if (line.empty()) continue;
    if (line.front() == '[') {
      const size_t close = line.find(']');
      if (close == std::string::npos) {
        idx.errors.push_back(path + ":" + std::to_string(no) + ": '" + line + "': section header without ']'");
        continue;
      }
      cur = trim(line.substr(1, close - 1));
      idx.section[cur].push_back(no);
      in_section = true;
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string::npos) {
      // rte_cfgfile skips such a line without a word: say so rather than run without it.
      idx.errors.push_back(path + ":" + std::to_string(no) + ": '" + line + "': expected key = value");
      continue;
    }
    if (!in_section) {
      idx.errors.push_back(path + ":" + std::to_string(no) + ": '" + line + "': key before the first [section]");
      continue;
    }
    idx.entry[{cur, trim(line.substr(0, eq))}].push_back(no);
  }
  return idx;
}

}  // namespace

std::string read_ini(const std::string& path, IniDocument& out) {
  std::ifstream text(path);
  if (!text) return path + ": cannot open: " + std::strerror(errno);
  const LineIndex idx = index_lines(text, path);
  if (!idx.errors.empty()) {
    std::string all;
    for (const std::string& e : idx.errors) all += (all.empty() ? "" : "\n") + e;
    return all;
  }

  std::unique_ptr<rte_cfgfile, decltype(&rte_cfgfile_close)> cfg(rte_cfgfile_load(path.c_str(), 0),
                                                                  &rte_cfgfile_close);
  if (!cfg) return path + ": rte_cfgfile_load could not read it as an INI file";

  IniDocument doc;
  doc.path = path;
  const int n_sections = rte_cfgfile_num_sections(cfg.get(), nullptr, 0);
  std::vector<std::vector<char>> name_bufs(static_cast<size_t>(std::max(n_sections, 0)),
                                           std::vector<char>(CFG_NAME_LEN));
  std::vector<char*> names;
  for (auto& b : name_bufs) names.push_back(b.data());
  if (n_sections > 0) rte_cfgfile_sections(cfg.get(), names.data(), n_sections);

  std::map<std::pair<std::string, std::string>, size_t> used;  // occurrences consumed per key
  std::map<std::string, size_t> used_sections;
  for (int s = 0; s < n_sections; ++s) {
    IniSection sec;
    sec.name = names[static_cast<size_t>(s)];
    auto sl = idx.section.find(sec.name);
    const size_t occurrence = used_sections[sec.name]++;
    sec.line = (sl != idx.section.end() && occurrence < sl->second.size()) ? sl->second[occurrence] : 0;
    const int n_entries = rte_cfgfile_section_num_entries_by_index(cfg.get(), names[static_cast<size_t>(s)], s);
    if (n_entries > 0) {
      std::vector<rte_cfgfile_entry> entries(static_cast<size_t>(n_entries));
      char section_name[CFG_NAME_LEN];
      rte_cfgfile_section_entries_by_index(cfg.get(), s, section_name, entries.data(), n_entries);
      for (const auto& e : entries) {
        IniEntry ie;
        ie.key = e.name;
        ie.value = e.value;
        const auto key = std::make_pair(sec.name, ie.key);
        auto el = idx.entry.find(key);
        const size_t k = used[key]++;
        ie.line = (el != idx.entry.end() && k < el->second.size()) ? el->second[k] : sec.line;
        sec.entries.push_back(std::move(ie));
      }
    }
    doc.sections.push_back(std::move(sec));
  }
  out = std::move(doc);
  return {};
}

}  // namespace edf

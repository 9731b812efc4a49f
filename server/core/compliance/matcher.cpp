#include "server/core/compliance/matcher.hpp"

#include <algorithm>
#include <deque>

namespace kefu::compliance {

ac_matcher::ac_matcher() {
  new_node();
}

std::int32_t ac_matcher::new_node() {
  build_children_.emplace_back();
  out_.push_back(-1);
  return static_cast<std::int32_t>(out_.size() - 1);
}

int ac_matcher::add(std::u32string_view pattern) {
  if (pattern.empty()) return -1;
  built_ = false;
  std::int32_t s = 0;
  for (char32_t c : pattern) {
    auto& kids = build_children_[static_cast<std::size_t>(s)];
    auto it = std::find_if(kids.begin(), kids.end(), [c](edge const& e) { return e.c == c; });
    if (it != kids.end()) {
      s = it->to;
    } else {
      std::int32_t const t = new_node();
      build_children_[static_cast<std::size_t>(s)].push_back({c, t});
      s = t;
    }
  }
  auto& o = out_[static_cast<std::size_t>(s)];
  if (o < 0) {
    o = static_cast<std::int32_t>(lengths_.size());
    lengths_.push_back(static_cast<std::uint32_t>(pattern.size()));
  }
  return o;
}

void ac_matcher::build() {
  std::size_t const n = out_.size();
  // Number the characters that occur in patterns; everything else maps to symbol 0.
  bmp_symbols_.assign(0x10000, 0);
  astral_symbols_.clear();
  std::uint32_t next_symbol = 1;
  auto symbol_of = [&](char32_t c) -> std::uint32_t {
    if (c < 0x10000) {
      if (bmp_symbols_[c] == 0) bmp_symbols_[c] = static_cast<std::uint16_t>(next_symbol++);
      return bmp_symbols_[c];
    }
    for (auto const& [k, v] : astral_symbols_)
      if (k == c) return v;
    astral_symbols_.emplace_back(c, next_symbol);
    return next_symbol++;
  };
  std::vector<std::vector<edge>> kids_by_symbol(n);
  for (std::size_t s = 0; s < n; ++s)
    for (auto const& e : build_children_[s]) kids_by_symbol[s].push_back({symbol_of(e.c), e.to});

  edges_.clear();
  edge_begin_.assign(n, 0);
  edge_end_.assign(n, 0);
  for (std::size_t s = 0; s < n; ++s) {
    edge_begin_[s] = static_cast<std::uint32_t>(edges_.size());
    edges_.insert(edges_.end(), kids_by_symbol[s].begin(), kids_by_symbol[s].end());
    edge_end_[s] = static_cast<std::uint32_t>(edges_.size());
  }
  root_.assign(next_symbol, -1);
  for (auto const& e : kids_by_symbol[0]) root_[e.c] = e.to;

  fail_.assign(n, 0);
  dict_.assign(n, 0);
  std::deque<std::int32_t> queue;
  for (auto const& e : kids_by_symbol[0]) queue.push_back(e.to);
  while (!queue.empty()) {
    std::int32_t const s = queue.front();
    queue.pop_front();
    for (auto const& e : kids_by_symbol[static_cast<std::size_t>(s)]) {
      std::int32_t f = fail_[static_cast<std::size_t>(s)];
      std::int32_t t = -1;
      for (;;) {
        t = f == 0 ? root_[e.c] : find_edge(f, e.c);
        if (t >= 0 || f == 0) break;
        f = fail_[static_cast<std::size_t>(f)];
      }
      std::int32_t const fl = (t >= 0 && t != e.to) ? t : 0;
      fail_[static_cast<std::size_t>(e.to)] = fl;
      dict_[static_cast<std::size_t>(e.to)] =
          out_[static_cast<std::size_t>(fl)] >= 0 ? fl : dict_[static_cast<std::size_t>(fl)];
      queue.push_back(e.to);
    }
  }
  built_ = true;
}

}  // namespace kefu::compliance

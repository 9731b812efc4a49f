#include "server/core/compliance/matcher.hpp"

#include <algorithm>
#include <deque>
#include <numeric>

namespace kefu::compliance {

ac_matcher::ac_matcher() : slots_(1), report_(1, 0), root_(1, 0) {
  new_node();
}

std::int32_t ac_matcher::new_node() {
  build_children_.emplace_back();
  out_.push_back(-1);
  return static_cast<std::int32_t>(out_.size() - 1);
}

void ac_matcher::report_all(std::int32_t o, std::uint32_t end, std::vector<match>& out) const {
  for (; o > 0; o = dict_[static_cast<std::size_t>(o)])
    out.push_back({out_[static_cast<std::size_t>(o)], end});
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
    max_length_ = std::max(max_length_, static_cast<std::uint32_t>(pattern.size()));
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
  std::vector<std::vector<edge>> kids(n);
  for (std::size_t s = 0; s < n; ++s)
    for (auto const& e : build_children_[s]) kids[s].push_back({symbol_of(e.c), e.to});
  std::size_t const alphabet = next_symbol;

  root_.assign(alphabet, 0);
  for (auto const& e : kids[0]) root_[e.c] = e.to;

  // Failure and dictionary links, breadth first; each state's complete row (its own edges, then
  // its failure state's row for the symbols it lacks) is known once its failure state's is.
  std::vector<std::int32_t> fail(n, 0);
  dict_.assign(n, 0);
  std::vector<std::vector<edge>> rows(n);
  auto delta = [&](std::int32_t s, std::uint32_t a) -> std::int32_t {
    if (s == 0) return root_[a];
    for (auto const& e : rows[static_cast<std::size_t>(s)])
      if (e.c == a) return e.to;
    return root_[a];
  };
  std::deque<std::int32_t> queue;
  for (auto const& e : kids[0]) queue.push_back(e.to);
  while (!queue.empty()) {
    std::int32_t const s = queue.front();
    queue.pop_front();
    auto const su = static_cast<std::size_t>(s);
    auto& row = rows[su];
    row = kids[su];
    if (fail[su] != 0)
      for (auto const& e : rows[static_cast<std::size_t>(fail[su])])
        if (std::none_of(kids[su].begin(), kids[su].end(),
                         [&](edge const& k) { return k.c == e.c; }))
          row.push_back(e);
    for (auto const& e : kids[su]) {
      auto const t = static_cast<std::size_t>(e.to);
      std::int32_t const f = delta(fail[su], e.c);
      fail[t] = f == e.to ? 0 : f;
      dict_[t] = out_[static_cast<std::size_t>(fail[t])] >= 0
                     ? fail[t]
                     : dict_[static_cast<std::size_t>(fail[t])];
      queue.push_back(e.to);
    }
  }

  // Row displacement, first fit, longest rows first. Bases are distinct (they name the states)
  // and never 0 (the root's), so every slot's owner tag identifies one state.
  // Non-reporting states first, then reporting ones at bases above all of theirs (their rows
  // still fill the gaps the first group left). Within each group, longest rows first.
  auto reports = [&](std::size_t s) { return out_[s] >= 0 || dict_[s] != 0; };
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (reports(a) != reports(b)) return !reports(a);
    return rows[a].size() > rows[b].size();
  });
  std::vector<std::int32_t> owner;
  std::vector<std::uint8_t> base_used(1, 1);
  std::vector<std::uint32_t> base(n, 0);
  std::size_t first_free = 0;
  std::size_t free_base = 1;  // no base below it is unused
  std::size_t max_quiet_base = 0;
  bool in_reporting = false;
  for (std::size_t s : order) {
    if (s == 0) continue;
    if (reports(s) && !in_reporting) {
      in_reporting = true;
      first_reporting_ = static_cast<std::uint32_t>(max_quiet_base + 1);
      free_base = std::max(free_base, max_quiet_base + 1);
    }
    auto& row = rows[s];
    std::sort(row.begin(), row.end(), [](edge const& a, edge const& b) { return a.c < b.c; });
    while (first_free < owner.size() && owner[first_free] >= 0) ++first_free;
    while (free_base < base_used.size() && base_used[free_base]) ++free_base;
    std::size_t b = row.empty() || first_free <= row.front().c
                        ? free_base
                        : std::max(free_base, first_free - row.front().c);
    for (;; ++b) {
      if (b == 0 || (b < base_used.size() && base_used[b])) continue;
      bool fits = true;
      for (auto const& e : row)
        if (b + e.c < owner.size() && owner[b + e.c] >= 0) {
          fits = false;
          break;
        }
      if (fits) break;
    }
    if (!row.empty() && owner.size() < b + row.back().c + 1) owner.resize(b + row.back().c + 1, -1);
    for (auto const& e : row) owner[b + e.c] = static_cast<std::int32_t>(s);
    if (base_used.size() <= b) base_used.resize(b + 1, 0);
    base_used[b] = 1;
    base[s] = static_cast<std::uint32_t>(b);
    if (!in_reporting) max_quiet_base = std::max(max_quiet_base, b);
  }
  if (!in_reporting) first_reporting_ = static_cast<std::uint32_t>(max_quiet_base + 1);
  // Every base + symbol a scan can form must be inside the table.
  std::size_t const max_base = *std::max_element(base.begin(), base.end());
  slots_.assign(std::max(owner.size(), max_base + alphabet), slot{});
  for (std::size_t s = 1; s < n; ++s)
    for (auto const& e : rows[s])
      slots_[base[s] + e.c] = {base[s], base[static_cast<std::size_t>(e.to)]};
  for (auto& r : root_) r = base[static_cast<std::size_t>(r)];
  report_.assign(max_base + 1 > first_reporting_ ? max_base + 1 - first_reporting_ : 1, 0);
  for (std::size_t s = 0; s < n; ++s)
    if (reports(s))
      report_[base[s] - first_reporting_] = out_[s] >= 0 ? static_cast<std::int32_t>(s) : dict_[s];
  built_ = true;
}

}  // namespace kefu::compliance

#pragma once
// Multi-pattern matching over folded code points (Aho–Corasick).
//
// Patterns are added once, then `build()` computes failure and dictionary links. `scan` walks a
// sequence once and reports every (pattern, end) pair, overlapping ones included; callers apply
// their own filters (noise gaps, word boundaries) to what it reports.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kefu::compliance {

class ac_matcher {
 public:
  ac_matcher();

  // Returns the pattern id; adding the same pattern twice returns the same id. Empty patterns
  // are not stored (returns -1).
  int add(std::u32string_view pattern);
  void build();

  std::size_t pattern_count() const noexcept { return lengths_.size(); }
  std::uint32_t pattern_length(int id) const noexcept {
    return lengths_[static_cast<std::size_t>(id)];
  }

  // Calls on_match(pattern_id, end) for every occurrence; `end` is one past the last element.
  // `at(i)` yields the i-th code point of the sequence of length n.
  template <class At, class F>
  void scan(std::size_t n, At&& at, F&& on_match) const {
    std::int32_t s = 0;
    for (std::size_t i = 0; i < n; ++i) {
      s = step(s, at(i));
      for (std::int32_t o =
               out_[static_cast<std::size_t>(s)] >= 0 ? s : dict_[static_cast<std::size_t>(s)];
           o > 0; o = dict_[static_cast<std::size_t>(o)])
        on_match(out_[static_cast<std::size_t>(o)], i + 1);
    }
  }

  std::int32_t step(std::int32_t s, char32_t c) const noexcept {
    std::uint32_t const a = symbol(c);
    if (a == 0) return 0;  // a character no pattern contains: back to the root at once
    for (;;) {
      std::int32_t const t = s == 0 ? root_[a] : find_edge(s, a);
      if (t >= 0) return t;
      if (s == 0) return 0;
      s = fail_[static_cast<std::size_t>(s)];
    }
  }

 private:
  struct edge {
    std::uint32_t c;  // symbol (compact alphabet index) after build(), code point before
    std::int32_t to;
  };
  // Compact alphabet: only characters that occur in some pattern get a symbol (from 1).
  std::uint32_t symbol(char32_t c) const noexcept {
    if (c < bmp_symbols_.size()) return bmp_symbols_[c];
    for (auto const& [k, v] : astral_symbols_)
      if (k == c) return v;
    return 0;
  }
  std::int32_t find_edge(std::int32_t s, std::uint32_t a) const noexcept {
    auto const* b = edges_.data() + edge_begin_[static_cast<std::size_t>(s)];
    auto const* e = edges_.data() + edge_end_[static_cast<std::size_t>(s)];
    for (; b != e; ++b)  // nodes below the root have few children: a linear scan wins
      if (b->c == a) return b->to;
    return -1;
  }
  std::int32_t new_node();

  // Construction-time children (unsorted); flattened into edges_ by build().
  std::vector<std::vector<edge>> build_children_;
  std::vector<std::uint32_t> edge_begin_;  // per node, into edges_ (sorted by c)
  std::vector<std::uint32_t> edge_end_;
  std::vector<edge> edges_;
  std::vector<std::int32_t> fail_;
  std::vector<std::int32_t> dict_;  // nearest proper suffix node that ends a pattern, or 0
  std::vector<std::int32_t> out_;   // pattern id ending exactly at this node, or -1
  std::vector<std::uint32_t> lengths_;
  std::vector<std::uint16_t> bmp_symbols_;  // per BMP code point, 0 = in no pattern
  std::vector<std::pair<char32_t, std::uint32_t>> astral_symbols_;
  std::vector<std::int32_t> root_;  // dense root transitions per symbol, -1 if none
  bool built_ = false;
};

}  // namespace kefu::compliance

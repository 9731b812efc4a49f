#pragma once
// Multi-pattern matching over folded code points (Aho–Corasick).
//
// Patterns are added once, then `build()` computes failure and dictionary links and turns the
// trie into a complete automaton: every transition a scan can take, failure steps included, is
// precomputed, so a scan makes exactly one table probe per character. Transitions are stored
// row-displaced in one array (each state's row at its own offset, each slot tagged with its
// owner), and whatever a state has no slot for goes where it would go from the root. `scan`
// walks a sequence once and reports every (pattern, end) pair, overlapping ones included;
// callers apply their own filters (noise gaps, word boundaries) to what it reports.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
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
  // Slots in the transition table (for tests and sizing).
  std::size_t table_size() const noexcept { return slots_.size(); }

  // Calls on_match(pattern_id, end) for every occurrence; `end` is one past the last element.
  // `at(i)` yields the i-th code point of the sequence of length n.
  template <class At, class F>
  void scan(std::size_t n, At&& at, F&& on_match) const {
    std::int32_t s = 0;
    for (std::size_t i = 0; i < n; ++i) {
      s = step(s, at(i));
      for (std::int32_t o = states_[static_cast<std::size_t>(s)].report; o > 0;
           o = dict_[static_cast<std::size_t>(o)])
        on_match(out_[static_cast<std::size_t>(o)], i + 1);
    }
  }

  std::int32_t step(std::int32_t s, char32_t c) const noexcept {
    std::uint32_t const a = symbol(c);
    slot const& x = slots_[states_[static_cast<std::size_t>(s)].base + a];
    return x.owner == s ? x.to : root_[a];
  }

 private:
  struct edge {
    std::uint32_t c;  // symbol (compact alphabet index) after build(), code point before
    std::int32_t to;
  };
  struct state {
    std::uint32_t base = 0;   // offset of this state's row in slots_
    std::int32_t report = 0;  // this state if a pattern ends here, else its dict_ link (0: none)
  };
  struct slot {
    std::int32_t owner = -1;  // the state whose row holds this slot
    std::int32_t to = 0;
  };
  // Compact alphabet: only characters that occur in some pattern get a symbol (from 1).
  std::uint32_t symbol(char32_t c) const noexcept {
    if (c < bmp_symbols_.size()) return bmp_symbols_[c];
    for (auto const& [k, v] : astral_symbols_)
      if (k == c) return v;
    return 0;
  }
  std::int32_t new_node();

  // Construction-time children (unsorted, by code point).
  std::vector<std::vector<edge>> build_children_;
  std::vector<state> states_;
  std::vector<slot> slots_;
  std::vector<std::int32_t> dict_;  // nearest proper suffix node that ends a pattern, or 0
  std::vector<std::int32_t> out_;   // pattern id ending exactly at this node, or -1
  std::vector<std::uint32_t> lengths_;
  std::vector<std::uint16_t> bmp_symbols_;  // per BMP code point, 0 = in no pattern
  std::vector<std::pair<char32_t, std::uint32_t>> astral_symbols_;
  std::vector<std::int32_t> root_;  // dense root transitions per symbol (0: stay at the root)
  bool built_ = false;
};

}  // namespace kefu::compliance

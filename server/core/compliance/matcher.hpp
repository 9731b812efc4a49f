#pragma once
// Multi-pattern matching over folded code points (Aho–Corasick).
//
// Patterns are added once, then `build()` computes failure and dictionary links and turns the
// trie into a complete automaton: every transition a scan can take, failure steps included, is
// precomputed, so a scan makes exactly one table probe per character. Transitions are stored
// row-displaced in one array (each state's row at its own offset, each slot tagged with its
// owner), and whatever a state has no slot for goes where it would go from the root. States are
// named by their row offsets (distinct per state), so a move reads the next row's offset directly.
// `scan` walks a sequence once and reports every (pattern, end) pair, overlapping ones included;
// callers apply their own filters (noise gaps, word boundaries) to what it reports.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kefu::compliance {

class ac_matcher {
  struct slot;

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
  // The longest pattern's length (0 when there are none).
  std::uint32_t max_length() const noexcept { return max_length_; }
  // Slots in the transition table (for tests and sizing).
  std::size_t table_size() const noexcept { return slots_.size(); }

  // Calls on_match(pattern_id, end) for every occurrence; `end` is one past the last element.
  // `at(i)` yields the i-th code point of the sequence of length n.
  template <class At, class F>
  void scan(std::size_t n, At&& at, F&& on_match) const {
    std::uint32_t s = 0;  // a state is named by its row's base; the root's is 0
    for (std::size_t i = 0; i < n; ++i) {
      s = step(s, at(i));
      if (s < first_reporting_) continue;
      for (std::int32_t o = report_[s - first_reporting_]; o > 0;
           o = dict_[static_cast<std::size_t>(o)])
        on_match(out_[static_cast<std::size_t>(o)], i + 1);
    }
  }

  struct match {
    std::int32_t pattern;
    std::uint32_t end;
  };

  // A scan fed one character at a time, by a loop that does other work per character (the
  // normaliser runs it while folding). Feed significant characters only; `end` is the index
  // one past the character fed, as scan() would report it.
  struct cursor {
    slot const* slots;
    std::uint32_t const* root;
    std::int32_t const* report;
    std::uint16_t const* symbols;
    std::uint32_t first_reporting;
    ac_matcher const* m;
    std::uint32_t state = 0;
    std::vector<match>* out;

    // Feeds n characters; the first is reported as ending at first_end + 1, and so on. The
    // state lives in a register for the whole run (one store at the end).
    void feed_all(char32_t const* p, std::size_t n, std::size_t first_end) {
      // Copies the report_all call cannot be assumed to leave alone.
      std::uint32_t s = state;
      slot const* const sl = slots;
      std::uint32_t const* const rt = root;
      std::int32_t const* const rp = report;
      std::uint16_t const* const sy = symbols;
      std::uint32_t const fr = first_reporting;
      for (std::size_t k = 0; k < n; ++k) {
        char32_t const c = p[k];
        std::uint32_t const a = c < 0x10000 ? sy[c] : m->symbol(c);
        slot const x = sl[s + a];
        s = x.owner == s ? x.to : rt[a];
        // Whether a state reports is where it sits, not a load.
        if (s >= fr) [[unlikely]]
          m->report_all(rp[s - fr], static_cast<std::uint32_t>(first_end + k + 1), *out);
      }
      state = s;
    }
  };
  cursor start(std::vector<match>& out) const {
    return {
        slots_.data(), root_.data(), report_.data(), bmp_symbols_.data(), first_reporting_, this, 0,
        &out};
  }

  // Out of line, so the feeding loop keeps its state in registers.
  [[gnu::noinline]] void report_all(std::int32_t o, std::uint32_t end,
                                    std::vector<match>& out) const;

  // One probe: the slot at base + symbol belongs to this state or the move is the root's. The
  // next state is read straight from the slot, so a scan's chain of dependent loads per
  // character is one slot and nothing else.
  std::uint32_t step(std::uint32_t s, char32_t c) const noexcept {
    std::uint32_t const a = symbol(c);
    slot const& x = slots_[s + a];
    return x.owner == s ? x.to : root_[a];
  }

 private:
  struct edge {
    std::uint32_t c;  // symbol (compact alphabet index) after build(), code point before
    std::int32_t to;
  };
  struct slot {
    std::uint32_t owner = no_owner;  // base of the state whose row holds this slot
    std::uint32_t to = 0;            // base of the state it moves to
  };
  static constexpr std::uint32_t no_owner = 0xFFFFFFFFu;
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
  std::vector<slot> slots_;
  // States that report a match (a pattern ends there or at a dictionary suffix) are placed
  // after all others, so a state reports exactly when its base is at least first_reporting_.
  std::uint32_t first_reporting_ = 1;
  // Per reporting base, less first_reporting_: the node itself if a pattern ends there, else
  // its nearest dictionary suffix (a node index into dict_ / out_).
  std::vector<std::int32_t> report_;
  std::vector<std::int32_t> dict_;  // nearest proper suffix node that ends a pattern, or 0
  std::vector<std::int32_t> out_;   // pattern id ending exactly at this node, or -1
  std::vector<std::uint32_t> lengths_;
  std::uint32_t max_length_ = 0;
  std::vector<std::uint16_t> bmp_symbols_;  // per BMP code point, 0 = in no pattern
  std::vector<std::pair<char32_t, std::uint32_t>> astral_symbols_;
  std::vector<std::uint32_t> root_;  // dense root moves per symbol, as bases (0: the root)
  bool built_ = false;
};

}  // namespace kefu::compliance

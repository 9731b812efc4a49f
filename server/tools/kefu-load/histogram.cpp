#include "server/tools/kefu-load/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace kefu::load {

std::size_t histogram::index_of(std::uint64_t v) {
  constexpr std::uint64_t sub = 1u << sub_bits;
  if (v < sub) return static_cast<std::size_t>(v);
  int shift = std::bit_width(v) - 1 - sub_bits;
  return (static_cast<std::size_t>(shift + 1) << sub_bits) +
         static_cast<std::size_t>((v >> shift) & (sub - 1));
}

std::uint64_t histogram::upper_edge(std::size_t index) {
  constexpr std::size_t sub = std::size_t(1) << sub_bits;
  if (index < sub) return index;
  int shift = static_cast<int>(index >> sub_bits) - 1;
  std::uint64_t low = static_cast<std::uint64_t>(sub + (index & (sub - 1))) << shift;
  return low + ((std::uint64_t(1) << shift) - 1);
}

void histogram::record(std::int64_t ns) {
  auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(ns, 0));
  counts_[index_of(v)].fetch_add(1, std::memory_order_relaxed);
  total_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
  auto seen = max_.load(std::memory_order_relaxed);
  while (
      static_cast<std::int64_t>(v) > seen &&
      !max_.compare_exchange_weak(seen, static_cast<std::int64_t>(v), std::memory_order_relaxed)) {
  }
}

double histogram::mean() const {
  auto n = count();
  return n ? static_cast<double>(sum_.load(std::memory_order_relaxed)) / static_cast<double>(n)
           : 0.0;
}

std::int64_t histogram::quantile(double q) const {
  auto n = count();
  if (n == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * double(n))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += counts_[i].load(std::memory_order_relaxed);
    if (seen >= rank) return std::min(static_cast<std::int64_t>(upper_edge(i)), max());
  }
  return max();
}

}  // namespace kefu::load

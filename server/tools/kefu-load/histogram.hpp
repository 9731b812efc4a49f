#pragma once
// A log-linear latency histogram: 64 sub-buckets per power of two, so any
// reported value is within 1.6% of a recorded one. Counters are relaxed
// atomics, so several I/O threads record into one histogram without a lock.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace kefu::load {

class histogram {
 public:
  void record(std::int64_t ns);

  std::uint64_t count() const { return total_.load(std::memory_order_relaxed); }
  std::int64_t max() const { return max_.load(std::memory_order_relaxed); }
  double mean() const;
  // Smallest recorded value v such that a fraction `q` of the samples are <= v
  // (the upper edge of its bucket, capped at the maximum); 0 when empty.
  std::int64_t quantile(double q) const;

 private:
  static constexpr int sub_bits = 6;
  static constexpr std::size_t bucket_count = std::size_t(64 - sub_bits + 1) << sub_bits;

  static std::size_t index_of(std::uint64_t v);
  static std::uint64_t upper_edge(std::size_t index);

  std::array<std::atomic<std::uint64_t>, bucket_count> counts_{};
  std::atomic<std::uint64_t> total_{0};
  std::atomic<std::uint64_t> sum_{0};
  std::atomic<std::int64_t> max_{0};
};

}  // namespace kefu::load

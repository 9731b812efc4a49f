#pragma once
// The append-only audit log as a hash chain (qa.md, Privacy): every transcript
// view, export and unmask is one entry, and each entry's hash covers the
// previous entry's hash, so editing, deleting or reordering a stored row
// breaks the chain from that row on. `kefu-audit verify` names the first
// broken entry.
//
// Entry hash = lowercase hex SHA-256 of canonical_entry(prev_hash, entry):
//
//   kefu-audit/1\n
//   prev:<64 hex digits>\n
//   seq:<decimal>\n
//   at:<decimal epoch ms>\n
//   actor:<byte length>:<bytes>\n
//   action:<byte length>:<bytes>\n
//   target:<byte length>:<bytes>\n
//   detail:<byte length>:<bytes>\n
//
// Strings are length-prefixed, so no choice of content can make two different
// entries serialise alike. detail_json is hashed exactly as stored (not
// re-serialised), so a backend that round-trips JSON text must keep it as
// text. The first entry's prev is genesis_hash (64 zeros).

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kefu::qa {

// SHA-256 (FIPS 180-4), incremental.
class sha256 {
 public:
  using digest = std::array<std::uint8_t, 32>;

  sha256() noexcept;
  sha256& update(std::string_view bytes) noexcept;
  // The digest of everything updated so far; the hasher must not be used
  // afterwards.
  digest finish() noexcept;

 private:
  void block(const std::uint8_t* p) noexcept;

  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;  // bytes
};

sha256::digest sha256_of(std::string_view bytes) noexcept;
std::string to_hex(const sha256::digest& d);
std::string sha256_hex(std::string_view bytes);

inline const std::string genesis_hash(64, '0');

struct audit_entry {
  std::int64_t seq = 0;     // 1, 2, 3, … without gaps
  std::int64_t at = 0;      // epoch ms
  std::string actor;        // user id
  std::string action;       // e.g. transcript.view, export, unmask, sample.draw, review.save
  std::string target;       // e.g. a chat or sample id
  std::string detail_json;  // a JSON text with whatever else matters ("{}" when nothing)

  friend bool operator==(const audit_entry&, const audit_entry&) = default;
};

std::string canonical_entry(std::string_view prev_hash_hex, const audit_entry& e);
std::string entry_hash(const std::string& prev_hash_hex, const audit_entry& e);

struct verify_result {
  bool ok = true;
  std::optional<std::int64_t> first_broken_seq;
  std::string reason;  // empty when ok
};

// Checks stored rows in the order read (ascending seq). The first row links
// to `start_prev` (genesis_hash for a full log), every other row to its
// predecessor's stored hash. A row is broken when its seq is not exactly one
// more than its predecessor's (a deleted row leaves a gap, a moved row goes
// backwards) or its stored hash differs from the recomputed one (an edited
// row, or a row whose predecessor changed). Stored hashes are compared as
// written: lowercase hex. Deleting rows from the end leaves a shorter valid
// chain; comparing the last hash with one kept elsewhere catches that.
verify_result verify_chain(const std::vector<std::pair<audit_entry, std::string>>& entries,
                           const std::string& start_prev = genesis_hash);

// The newest entry as recorded apart from the rows.
struct chain_head {
  std::int64_t seq = 0;
  std::string hash;
};
// verify_chain, then the last row against the recorded head: rows cut from the end of the log
// are named (the first missing seq), and so is a last row that is not the one recorded.
verify_result verify_chain(const std::vector<std::pair<audit_entry, std::string>>& entries,
                           const std::optional<chain_head>& head,
                           const std::string& start_prev = genesis_hash);

// {"seq","at","actor","action","target","detail"}: detail is the parsed JSON
// when detail_json is valid JSON, else the text as a string.
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const audit_entry& e);
// {"ok", "first_broken_seq"?, "reason"?}.
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const verify_result& r);

}  // namespace kefu::qa

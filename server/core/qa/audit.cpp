#include "server/core/qa/audit.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstring>

namespace kefu::qa {

namespace json = boost::json;

namespace {

// The first 32 bits of the fractional parts of the cube roots of the first
// 64 primes.
constexpr std::array<std::uint32_t, 64> round_constants{
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr std::uint32_t rotr(std::uint32_t x, int n) noexcept {
  return (x >> n) | (x << (32 - n));
}

}  // namespace

sha256::sha256() noexcept
    // The first 32 bits of the fractional parts of the square roots of the
    // first 8 primes.
    : h_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
         0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19} {}

void sha256::block(const std::uint8_t* p) noexcept {
  std::array<std::uint32_t, 64> w;
  for (int i = 0; i < 16; ++i) {
    w[i] = (std::uint32_t{p[4 * i]} << 24) | (std::uint32_t{p[4 * i + 1]} << 16) |
           (std::uint32_t{p[4 * i + 2]} << 8) | std::uint32_t{p[4 * i + 3]};
  }
  for (int i = 16; i < 64; ++i) {
    const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3];
  std::uint32_t e = h_[4], f = h_[5], g = h_[6], h = h_[7];
  for (int i = 0; i < 64; ++i) {
    const std::uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const std::uint32_t ch = (e & f) ^ (~e & g);
    const std::uint32_t t1 = h + s1 + ch + round_constants[i] + w[i];
    const std::uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    const std::uint32_t t2 = s0 + maj;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h_[0] += a;
  h_[1] += b;
  h_[2] += c;
  h_[3] += d;
  h_[4] += e;
  h_[5] += f;
  h_[6] += g;
  h_[7] += h;
}

sha256& sha256::update(std::string_view bytes) noexcept {
  const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data());
  std::size_t n = bytes.size();
  length_ += n;
  if (buffered_ > 0) {
    const std::size_t take = std::min(n, buf_.size() - buffered_);
    std::memcpy(buf_.data() + buffered_, p, take);
    buffered_ += take;
    p += take;
    n -= take;
    if (buffered_ < buf_.size()) return *this;
    block(buf_.data());
    buffered_ = 0;
  }
  for (; n >= 64; p += 64, n -= 64) block(p);
  if (n > 0) {
    std::memcpy(buf_.data(), p, n);
    buffered_ = n;
  }
  return *this;
}

sha256::digest sha256::finish() noexcept {
  const std::uint64_t bits = length_ * 8;
  // 0x80, zeros up to 56 mod 64, then the bit length big-endian.
  buf_[buffered_++] = 0x80;
  if (buffered_ > 56) {
    std::memset(buf_.data() + buffered_, 0, 64 - buffered_);
    block(buf_.data());
    buffered_ = 0;
  }
  std::memset(buf_.data() + buffered_, 0, 56 - buffered_);
  for (int i = 0; i < 8; ++i) buf_[56 + i] = static_cast<std::uint8_t>(bits >> (56 - 8 * i));
  block(buf_.data());
  buffered_ = 0;

  digest out;
  for (int i = 0; i < 8; ++i) {
    out[4 * i] = static_cast<std::uint8_t>(h_[i] >> 24);
    out[4 * i + 1] = static_cast<std::uint8_t>(h_[i] >> 16);
    out[4 * i + 2] = static_cast<std::uint8_t>(h_[i] >> 8);
    out[4 * i + 3] = static_cast<std::uint8_t>(h_[i]);
  }
  return out;
}

sha256::digest sha256_of(std::string_view bytes) noexcept {
  return sha256().update(bytes).finish();
}

std::string to_hex(const sha256::digest& d) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(64);
  for (std::uint8_t b : d) {
    s += digits[b >> 4];
    s += digits[b & 0xF];
  }
  return s;
}

std::string sha256_hex(std::string_view bytes) {
  return to_hex(sha256_of(bytes));
}

std::string canonical_entry(std::string_view prev_hash_hex, const audit_entry& e) {
  std::string s = "kefu-audit/1\n";
  s += "prev:";
  s += prev_hash_hex;
  s += "\nseq:" + std::to_string(e.seq);
  s += "\nat:" + std::to_string(e.at);
  const auto field = [&s](std::string_view name, const std::string& value) {
    s += '\n';
    s += name;
    s += ':';
    s += std::to_string(value.size());
    s += ':';
    s += value;
  };
  field("actor", e.actor);
  field("action", e.action);
  field("target", e.target);
  field("detail", e.detail_json);
  s += '\n';
  return s;
}

std::string entry_hash(const std::string& prev_hash_hex, const audit_entry& e) {
  return sha256_hex(canonical_entry(prev_hash_hex, e));
}

verify_result verify_chain(const std::vector<std::pair<audit_entry, std::string>>& entries,
                           const std::string& start_prev) {
  const std::string* prev = &start_prev;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& [entry, stored] = entries[i];
    const auto broken = [&](std::string reason) {
      return verify_result{false, entry.seq, std::move(reason)};
    };
    if (i > 0) {
      const std::int64_t before = entries[i - 1].first.seq;
      if (entry.seq <= before) {
        return broken("entry " + std::to_string(entry.seq) + " comes after entry " +
                      std::to_string(before) + ": rows are out of order");
      }
      if (entry.seq != before + 1) {
        // The rows in between either come later (moved) or not at all.
        for (std::size_t k = i + 1; k < entries.size(); ++k) {
          if (entries[k].first.seq == before + 1) {
            return broken("entry " + std::to_string(entry.seq) + " comes before entry " +
                          std::to_string(before + 1) + ": rows are out of order");
          }
        }
        return broken("entries " + std::to_string(before + 1) + ".." +
                      std::to_string(entry.seq - 1) + " are missing before entry " +
                      std::to_string(entry.seq));
      }
    }
    if (entry_hash(*prev, entry) != stored) {
      // An edited row fails here; so does the row after one whose stored
      // hash was rewritten to hide an edit.
      return broken("entry " + std::to_string(entry.seq) +
                    " does not match its stored hash: it or the entry before it was changed");
    }
    prev = &stored;
  }
  return {};
}

verify_result verify_chain(const std::vector<std::pair<audit_entry, std::string>>& entries,
                           const std::optional<chain_head>& head, const std::string& start_prev) {
  auto r = verify_chain(entries, start_prev);
  if (!r.ok || !head) return r;
  const std::int64_t last = entries.empty() ? 0 : entries.back().first.seq;
  if (last < head->seq) {
    return {false, last + 1,
            "entries " + std::to_string(last + 1) + ".." + std::to_string(head->seq) +
                " are missing at the end of the log (its newest entry was " +
                std::to_string(head->seq) + ")"};
  }
  if (last > head->seq) {
    return {false, head->seq + 1,
            "entries after " + std::to_string(head->seq) +
                " were not appended by the server (its newest entry was " +
                std::to_string(head->seq) + ")"};
  }
  if (entries.back().second != head->hash) {
    return {false, last,
            "entry " + std::to_string(last) + " is not the newest entry the server wrote"};
  }
  return r;
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const audit_entry& e) {
  boost::system::error_code ec;
  json::value detail = json::parse(e.detail_json, ec);
  if (ec) detail = json::string(e.detail_json);
  jv = json::object{{"seq", e.seq},       {"at", e.at},         {"actor", e.actor},
                    {"action", e.action}, {"target", e.target}, {"detail", std::move(detail)}};
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const verify_result& r) {
  json::object o{{"ok", r.ok}};
  if (r.first_broken_seq) o["first_broken_seq"] = *r.first_broken_seq;
  if (!r.reason.empty()) o["reason"] = r.reason;
  jv = std::move(o);
}

}  // namespace kefu::qa

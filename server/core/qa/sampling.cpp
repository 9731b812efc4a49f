#include "server/core/qa/sampling.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <functional>
#include <utility>

namespace kefu::qa {

namespace json = boost::json;

std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
  return (x << k) | (x >> (64 - k));
}

}  // namespace

rng::rng(std::uint64_t seed) noexcept {
  // splitmix64 never yields four zero words in a row, so the state is valid.
  for (auto& word : s_) word = splitmix64(seed);
}

std::uint64_t rng::next() noexcept {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t rng::below(std::uint64_t n) noexcept {
  if (n <= 1) return 0;
  // 2^64 mod n, computed without 128-bit arithmetic.
  const std::uint64_t threshold = (0 - n) % n;
  for (;;) {
    const std::uint64_t r = next();
    if (r >= threshold) return r % n;
  }
}

std::string_view to_string(strategy s) {
  switch (s) {
    case strategy::random:
      return "random";
    case strategy::per_agent:
      return "per_agent";
    case strategy::risk:
      return "risk";
  }
  return "random";
}

std::optional<strategy> parse_strategy(std::string_view s) {
  if (s == "random") return strategy::random;
  if (s == "per_agent") return strategy::per_agent;
  if (s == "risk") return strategy::risk;
  return std::nullopt;
}

int risk_score(const candidate& c) {
  const auto count = [](int n) { return static_cast<long long>(std::max(n, 0)); };
  long long score = 3 * count(c.blocked) + 2 * count(c.warned) + count(c.r3_misses);
  if (c.rating && *c.rating == "unsatisfied") score += 2;
  if (c.first_response_miss) score += 1;
  return static_cast<int>(std::min<long long>(score, INT_MAX));
}

std::map<std::string, std::size_t> agent_quotas(
    const std::map<std::string, std::size_t>& chats_per_agent, std::size_t size) {
  std::map<std::string, std::size_t> quotas;
  // Agents still sharing the remainder, most chats first, then by id; the map
  // already iterates by id and stable_sort keeps that order among equals.
  std::vector<std::pair<std::string, std::size_t>> open;
  std::size_t total = 0;
  for (const auto& [agent, n] : chats_per_agent) {
    quotas[agent] = 0;
    if (n == 0) continue;
    open.emplace_back(agent, n);
    total += n;
  }
  std::stable_sort(open.begin(), open.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });

  std::size_t remaining = std::min(size, total);
  while (!open.empty() && remaining > 0) {
    const std::size_t share = remaining / open.size();
    const std::size_t extra = remaining % open.size();
    // Agents who cannot fill their share give all they have. Shares never
    // shrink from one round to the next, so they stay settled.
    std::vector<std::pair<std::string, std::size_t>> still_open;
    bool changed = false;
    for (std::size_t i = 0; i < open.size(); ++i) {
      const std::size_t want = share + (i < extra ? 1 : 0);
      if (open[i].second <= want) {
        quotas[open[i].first] = open[i].second;
        remaining -= open[i].second;
        changed = true;
      } else {
        still_open.push_back(open[i]);
      }
    }
    if (!changed) {
      for (std::size_t i = 0; i < open.size(); ++i)
        quotas[open[i].first] = share + (i < extra ? 1 : 0);
      break;
    }
    open = std::move(still_open);
  }
  return quotas;
}

namespace {

// Moves `k` uniformly drawn elements of `pool` to its front, in draw order
// (a partial Fisher-Yates shuffle), and appends their chat ids to `out`.
void draw_from(std::vector<const candidate*>& pool, std::size_t k, rng& gen,
               std::vector<std::string>& out) {
  k = std::min(k, pool.size());
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(gen.below(pool.size() - i));
    std::swap(pool[i], pool[j]);
    out.push_back(pool[i]->chat);
  }
}

std::vector<std::string> draw_per_agent(const std::vector<candidate>& cands, std::size_t size,
                                        rng& gen) {
  std::map<std::string, std::vector<const candidate*>> by_agent;
  for (const auto& c : cands) by_agent[c.agent].push_back(&c);
  std::map<std::string, std::size_t> counts;
  for (const auto& [agent, chats] : by_agent) counts[agent] = chats.size();
  const auto quotas = agent_quotas(counts, size);

  std::vector<std::string> out;
  out.reserve(std::min(size, cands.size()));
  for (auto& [agent, chats] : by_agent) draw_from(chats, quotas.at(agent), gen, out);
  return out;
}

std::vector<std::string> draw_risk(const std::vector<candidate>& cands, std::size_t size,
                                   rng& gen) {
  std::map<int, std::vector<const candidate*>, std::greater<>> by_score;
  for (const auto& c : cands) by_score[risk_score(c)].push_back(&c);
  std::vector<std::string> out;
  out.reserve(std::min(size, cands.size()));
  for (auto& [score, group] : by_score) {
    if (out.size() >= size) break;
    draw_from(group, size - out.size(), gen, out);
  }
  return out;
}

}  // namespace

std::vector<std::string> draw(std::vector<candidate> candidates, const sample_params& params) {
  // Chat-id order first; stable so that a duplicated id keeps its first entry.
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const candidate& a, const candidate& b) { return a.chat < b.chat; });
  candidates.erase(
      std::unique(candidates.begin(), candidates.end(),
                  [](const candidate& a, const candidate& b) { return a.chat == b.chat; }),
      candidates.end());
  // A candidate is a chat handled by the agent holding it at close (qa.md): a chat that closed
  // before any agent took it has nothing to review.
  std::erase_if(candidates, [](const candidate& c) { return c.agent.empty(); });
  if (params.size == 0 || candidates.empty()) return {};

  rng gen(params.seed);
  switch (params.strat) {
    case strategy::per_agent:
      return draw_per_agent(candidates, params.size, gen);
    case strategy::risk:
      return draw_risk(candidates, params.size, gen);
    case strategy::random:
      break;
  }
  std::vector<const candidate*> pool;
  pool.reserve(candidates.size());
  for (const auto& c : candidates) pool.push_back(&c);
  std::vector<std::string> out;
  out.reserve(std::min(params.size, pool.size()));
  draw_from(pool, params.size, gen, out);
  return out;
}

namespace {

// A JSON number that is a whole value representable as a 64-bit integer.
std::optional<std::int64_t> whole_int64(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    const double d = v.get_double();
    // 2^63 itself is out of range, hence the strict upper bound.
    if (std::isfinite(d) && d == std::trunc(d) && d >= -9223372036854775808.0 &&
        d < 9223372036854775808.0)
      return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

}  // namespace

outcome<sample_params> parse_sample_params(const json::object& body, std::uint64_t default_seed) {
  sample_params p;
  p.seed = default_seed;

  if (const auto* s = body.if_contains("strategy"); s && !s->is_null()) {
    const auto* str = s->if_string();
    const auto parsed = str ? parse_strategy(std::string_view(*str)) : std::nullopt;
    if (!parsed) return error{"strategy must be one of \"random\", \"per_agent\", \"risk\""};
    p.strat = *parsed;
  }

  const auto* size = body.if_contains("size");
  if (!size || size->is_null()) return error{"size is required"};
  if (size->is_uint64()) {
    p.size = static_cast<std::size_t>(
        std::min<std::uint64_t>(size->get_uint64(), static_cast<std::uint64_t>(SIZE_MAX)));
  } else {
    const auto n = whole_int64(*size);
    if (!n || *n < 0) return error{"size must be a non-negative integer"};
    p.size = static_cast<std::size_t>(*n);
  }

  if (const auto* seed = body.if_contains("seed"); seed && !seed->is_null()) {
    if (seed->is_uint64()) {
      p.seed = seed->get_uint64();
    } else if (const auto n = whole_int64(*seed)) {
      p.seed = static_cast<std::uint64_t>(*n);  // two's complement: -1 is 2^64 - 1
    } else {
      return error{"seed must be an integer"};
    }
  }
  return p;
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const sample_params& p) {
  jv = json::object{{"strategy", to_string(p.strat)},
                    {"size", static_cast<std::uint64_t>(p.size)},
                    {"seed", p.seed}};
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const candidate& c) {
  json::object o{{"chat", c.chat},
                 {"agent", c.agent},
                 {"blocked", c.blocked},
                 {"warned", c.warned},
                 {"first_response_miss", c.first_response_miss},
                 {"r3_misses", c.r3_misses},
                 {"risk", risk_score(c)}};
  o["rating"] = c.rating ? json::value(*c.rating) : json::value(nullptr);
  jv = std::move(o);
}

}  // namespace kefu::qa

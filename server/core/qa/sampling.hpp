#pragma once
// Drawing a QA sample from the closed chats of a merchant (qa.md, Sampling).
//
// A sample must be reproducible: the same candidates, strategy, size and seed
// give the same chats in the same order on every machine, compiler and
// database backend. Hence the generator and the bounded draw are written out
// here (std::uniform_int_distribution and friends are implementation-defined),
// and the candidates are put in chat-id order before anything is drawn, so the
// order in which a backend returned them does not matter.

#include "server/core/qa/outcome.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kefu::qa {

// One step of splitmix64: advances `state` and returns the mixed output. Used
// to spread a 64-bit seed over the generator's 256-bit state.
std::uint64_t splitmix64(std::uint64_t& state) noexcept;

// xoshiro256** (Blackman and Vigna), its state filled by four splitmix64
// steps from the seed. Fixed, portable, and good enough for sampling.
class rng {
 public:
  explicit rng(std::uint64_t seed) noexcept;

  std::uint64_t next() noexcept;
  // Uniform in [0, n) without modulo bias: outputs below 2^64 mod n are
  // rejected, the rest reduced mod n. n == 0 returns 0.
  std::uint64_t below(std::uint64_t n) noexcept;

 private:
  std::array<std::uint64_t, 4> s_{};
};

// A closed chat that may be drawn, with what the system measured about it.
struct candidate {
  std::string chat;
  std::string agent;                  // the agent holding the chat at close; empty if none ever did
  int blocked = 0;                    // blocked agent messages (attempted violations)
  int warned = 0;                     // delivered agent messages whose verdict was `warn`
  std::optional<std::string> rating;  // "satisfied" | "neutral" | "unsatisfied"
  bool first_response_miss = false;
  int r3_misses = 0;  // turns answered (or left) after the 3-minute threshold
};

enum class strategy : std::uint8_t { random, per_agent, risk };

// "random" | "per_agent" | "risk".
std::string_view to_string(strategy s);
std::optional<strategy> parse_strategy(std::string_view s);

struct sample_params {
  strategy strat = strategy::random;
  std::size_t size = 0;
  std::uint64_t seed = 0;
};

// The risk of a chat, counting every occurrence: 3 per blocked message, 2 per
// warned message, 2 for an `unsatisfied` rating, 1 for a first-response miss
// and 1 per 3-minute miss. qa.md's "a blocked message 3, a warned message 2,
// ... (summed)" prices one message, so two blocked messages weigh 6. Negative
// counts (bad input) count as zero; the sum saturates at INT_MAX.
int risk_score(const candidate& c);

// The per_agent quotas for drawing `size` chats from agents with the given
// numbers of chats: equal shares, the remainder one each to the agents with
// most chats (ties: smaller agent id first), an agent with fewer chats than
// its share gives all of them and the shortfall is shared among the others
// the same way, until nothing changes. The quotas sum to min(size, total).
std::map<std::string, std::size_t> agent_quotas(
    const std::map<std::string, std::size_t>& chats_per_agent, std::size_t size);

// Draws the sample and returns chat ids in sample order. Candidates are first
// sorted by chat id (byte order); a repeated chat id keeps its first entry in
// input order. min(size, candidates) chats are returned; size 0 gives none.
//
// One generator, seeded with params.seed, serves the whole draw:
// - random: a partial Fisher-Yates shuffle over all candidates; the order is
//   the draw order.
// - per_agent: agent_quotas() over the agents holding candidates, then each
//   agent's quota drawn the same way from its chats, agents in ascending id
//   order; the sample lists agent by agent, each agent's chats in draw order.
//   Chats no agent ever held are no candidates for any strategy (draw()
//   drops them: there is no agent's work in them to review).
// - risk: groups of equal risk_score(), highest first, each group in seeded
//   random order; the zero group fills whatever is left, at random.
std::vector<std::string> draw(std::vector<candidate> candidates, const sample_params& params);

// Reads {"strategy", "size", "seed"} from a POST /api/qa/samples body.
// `strategy` defaults to random, `seed` (any integer; a negative one is taken
// modulo 2^64) to `default_seed`; `size` is required, a non-negative integer.
outcome<sample_params> parse_sample_params(const boost::json::object& body,
                                           std::uint64_t default_seed);

// {"strategy","size","seed"}: what a stored sample records about its draw.
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const sample_params& p);
// The candidate with its risk score, for audit and the sample view.
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const candidate& c);

}  // namespace kefu::qa

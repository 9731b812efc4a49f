#include "server/core/sla/report.hpp"

#include "server/core/sla/hours.hpp"
#include "server/core/sla/json_text.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <unordered_map>

namespace kefu::sla {
namespace json = boost::json;

const std::array<std::string_view, 13> metric_names{"chats",
                                                    "turns",
                                                    "answered",
                                                    "first_response_avg_s",
                                                    "first_response_60s_rate",
                                                    "response_avg_s",
                                                    "reply_30s_rate",
                                                    "reply_3min_rate",
                                                    "reply_5min_rate",
                                                    "misses_30s",
                                                    "misses_60s_first",
                                                    "misses_3min",
                                                    "misses_5min"};

void metrics::add(const turn_result& r) {
  ++turns;
  if (r.answered()) {
    ++answered;
    response_sum_ms += r.elapsed_ms;
    if (r.first) {
      ++first_answered;
      first_response_sum_ms += r.elapsed_ms;
    }
  }
  for (threshold k : all_thresholds) {
    const outcome o = r.outcomes[index(k)];
    if (o == outcome::hit) ++hits[index(k)];
    if (o == outcome::miss) ++misses[index(k)];
  }
}

std::optional<double> metrics::first_response_avg_s() const {
  if (first_answered == 0) return std::nullopt;
  return static_cast<double>(first_response_sum_ms) / static_cast<double>(first_answered) / 1000.0;
}

std::optional<double> metrics::response_avg_s() const {
  if (answered == 0) return std::nullopt;
  return static_cast<double>(response_sum_ms) / static_cast<double>(answered) / 1000.0;
}

std::optional<double> metrics::rate(threshold t) const {
  const std::int64_t h = hits[index(t)];
  const std::int64_t n = h + misses[index(t)];
  if (n == 0) return std::nullopt;
  return static_cast<double>(h) / static_cast<double>(n);
}

std::string_view to_string(group g) {
  switch (g) {
    case group::merchant:
      return "merchant";
    case group::agent:
      return "agent";
    case group::day:
      return "day";
  }
  return "merchant";
}

std::optional<group> parse_group(std::string_view s) {
  if (s.starts_with("by_")) s.remove_prefix(3);
  for (group g : {group::merchant, group::agent, group::day}) {
    if (to_string(g) == s) return g;
  }
  return std::nullopt;
}

const std::map<std::string, metrics, std::less<>>& report::by(group g) const {
  switch (g) {
    case group::merchant:
      return by_merchant;
    case group::agent:
      return by_agent;
    case group::day:
      return by_day;
  }
  return by_merchant;
}

std::int64_t default_as_of(std::span<const event> events) {
  if (events.empty()) return 0;
  std::int64_t m = std::numeric_limits<std::int64_t>::min();
  for (const auto& e : events) m = std::max(m, e.ts);
  return m;
}

namespace {

// Feeds one chat's events, already in chat order, through the turn rules.
template <class Events>
std::optional<chat_result> run_chat(const Events& ordered, const merchant_policy& policy,
                                    std::int64_t as_of) {
  std::optional<chat_result> out;
  chat_turns state;
  for (const event& e : ordered) {
    if (e.ts > as_of) break;  // ordered by ts: nothing later counts
    if (!out) {
      out.emplace();
      out->chat = e.chat;
      out->merchant = e.merchant;
      out->opened = e.ts;
      out->opened_day = local_day(e.ts, policy.utc_offset_min());
    }
    const change c = state.apply(e.type, e.ts, e.agent);
    if (c == change::answered) {
      out->turns.push_back(evaluate(state.last_answered(), policy, e.ts, std::nullopt));
    } else if (c == change::closed) {
      break;
    }
  }
  if (!out) return out;
  out->closed_at = state.closed_at();
  if (state.pending()) {
    const std::int64_t eval_point = state.closed_at().value_or(as_of);
    out->turns.push_back(evaluate(*state.pending(), policy, eval_point, state.holder()));
  }
  return out;
}

// A view of events through an index list, so a chat is sorted without copying.
struct indexed {
  std::span<const event> all;
  std::span<const std::uint32_t> idx;
  struct iterator {
    const event* base;
    const std::uint32_t* p;
    const event& operator*() const { return base[*p]; }
    iterator& operator++() {
      ++p;
      return *this;
    }
    bool operator!=(const iterator& o) const { return p != o.p; }
  };
  iterator begin() const { return {all.data(), idx.data()}; }
  iterator end() const { return {all.data(), idx.data() + idx.size()}; }
};

}  // namespace

std::optional<chat_result> replay_chat(std::span<const event> events, const merchant_policy& policy,
                                       std::int64_t as_of) {
  std::vector<std::uint32_t> idx(events.size());
  std::iota(idx.begin(), idx.end(), 0u);
  std::stable_sort(idx.begin(), idx.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return events[a].ts < events[b].ts; });
  return run_chat(indexed{events, idx}, policy, as_of);
}

std::vector<chat_result> replay(std::span<const event> events, const policy_book& policies,
                                std::optional<std::int64_t> as_of) {
  const std::int64_t at = as_of.value_or(default_as_of(events));

  // Number the chats by first appearance, then bucket event indexes per chat
  // (a counting sort keeps arrival order inside each bucket).
  std::unordered_map<std::string_view, std::uint32_t> chat_no;
  chat_no.reserve(events.size() / 4 + 16);
  std::vector<std::uint32_t> slot(events.size());
  std::vector<std::uint32_t> count;
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto [it, fresh] =
        chat_no.try_emplace(events[i].chat, static_cast<std::uint32_t>(count.size()));
    if (fresh) count.push_back(0);
    slot[i] = it->second;
    ++count[it->second];
  }
  std::vector<std::uint32_t> begin(count.size() + 1, 0);
  for (std::size_t c = 0; c < count.size(); ++c) begin[c + 1] = begin[c] + count[c];
  std::vector<std::uint32_t> order(events.size());
  {
    std::vector<std::uint32_t> fill(begin.begin(), begin.end() - 1);
    for (std::size_t i = 0; i < events.size(); ++i)
      order[fill[slot[i]]++] = static_cast<std::uint32_t>(i);
  }

  std::vector<chat_result> out;
  out.reserve(count.size());
  for (std::size_t c = 0; c < count.size(); ++c) {
    auto first = order.begin() + begin[c];
    auto last = order.begin() + begin[c + 1];
    std::stable_sort(first, last,
                     [&](std::uint32_t a, std::uint32_t b) { return events[a].ts < events[b].ts; });
    std::span<const std::uint32_t> idx(&*first, static_cast<std::size_t>(last - first));
    // The chat's merchant is that of its earliest event.
    const merchant_policy& policy = policies.of(events[idx.front()].merchant);
    if (auto r = run_chat(indexed{events, idx}, policy, at)) out.push_back(std::move(*r));
  }
  return out;
}

report aggregate(std::span<const chat_result> chats) {
  struct slot_t {
    metrics m;
    std::size_t last_chat = std::numeric_limits<std::size_t>::max();
  };
  auto add = [](slot_t& s, const turn_result& t, std::size_t chat) {
    if (s.last_chat != chat) {
      s.last_chat = chat;
      ++s.m.chats;
    }
    s.m.add(t);
  };
  slot_t overall;
  std::unordered_map<std::string_view, slot_t> by_merchant;
  std::unordered_map<std::string_view, slot_t> by_agent;
  std::map<std::int64_t, slot_t> by_day;

  for (std::size_t c = 0; c < chats.size(); ++c) {
    const chat_result& chat = chats[c];
    for (const turn_result& t : chat.turns) {
      add(overall, t, c);
      add(by_merchant[chat.merchant], t, c);
      if (t.agent) add(by_agent[*t.agent], t, c);
      add(by_day[t.day], t, c);
    }
  }

  report r;
  r.overall = overall.m;
  for (auto& [k, s] : by_merchant) r.by_merchant.emplace(std::string(k), s.m);
  for (auto& [k, s] : by_agent) r.by_agent.emplace(std::string(k), s.m);
  for (auto& [k, s] : by_day) r.by_day.emplace(day_key(k), s.m);
  return r;
}

report compute(std::span<const event> events, const policy_book& policies,
               std::optional<std::int64_t> as_of) {
  const auto chats = replay(events, policies, as_of);
  return aggregate(chats);
}

namespace {

json::value opt(std::optional<double> v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::object group_object(const std::map<std::string, metrics, std::less<>>& m) {
  json::object o;
  o.reserve(m.size());
  for (const auto& [k, v] : m) o.emplace(k, json::value_from(v));
  return o;
}

std::string by_key(group g) {
  return "by_" + std::string(to_string(g));
}

}  // namespace

void tag_invoke(const json::value_from_tag&, json::value& jv, const metrics& m) {
  json::object o;
  o.reserve(metric_names.size());
  o["chats"] = m.chats;
  o["turns"] = m.turns;
  o["answered"] = m.answered;
  o["first_response_avg_s"] = opt(m.first_response_avg_s());
  o["first_response_60s_rate"] = opt(m.rate(threshold::first));
  o["response_avg_s"] = opt(m.response_avg_s());
  o["reply_30s_rate"] = opt(m.rate(threshold::reply));
  o["reply_3min_rate"] = opt(m.rate(threshold::r3));
  o["reply_5min_rate"] = opt(m.rate(threshold::r5));
  o["misses_30s"] = m.misses_of(threshold::reply);
  o["misses_60s_first"] = m.misses_of(threshold::first);
  o["misses_3min"] = m.misses_of(threshold::r3);
  o["misses_5min"] = m.misses_of(threshold::r5);
  jv = std::move(o);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const report& r) {
  jv = to_json(r);
}

json::object to_json(const report& r) {
  json::object o;
  o["overall"] = json::value_from(r.overall);
  for (group g : {group::merchant, group::agent, group::day}) o[by_key(g)] = group_object(r.by(g));
  return o;
}

json::object to_json(const report& r, group g) {
  json::object o;
  o["overall"] = json::value_from(r.overall);
  o[by_key(g)] = group_object(r.by(g));
  return o;
}

std::string serialize(const report& r) {
  return to_text(to_json(r));
}
std::string serialize(const report& r, group g) {
  return to_text(to_json(r, g));
}

namespace {

void csv_cell(std::string& out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += s;
    return;
  }
  out += '"';
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
}

void csv_row(std::string& out, std::string_view key, const metrics& m) {
  csv_cell(out, key);
  const json::value v = json::value_from(m);
  for (std::string_view name : metric_names) {
    out += ',';
    const json::value& cell = v.get_object().at(name);
    if (!cell.is_null()) out += to_text(cell);
  }
  out += '\n';
}

}  // namespace

std::string to_csv(const report& r, std::optional<group> g) {
  std::string out;
  out += g ? to_string(*g) : std::string_view("group");
  for (std::string_view name : metric_names) {
    out += ',';
    out += name;
  }
  out += '\n';
  if (!g) {
    csv_row(out, "overall", r.overall);
  } else {
    for (const auto& [k, m] : r.by(*g)) csv_row(out, k, m);
  }
  return out;
}

}  // namespace kefu::sla

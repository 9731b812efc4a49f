#include "server/app/reports.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

namespace kefu::app {

namespace json = boost::json;

sla::policy_book policies(directory const& dir) {
  sla::policy_book book;
  for (auto const& m : dir.merchants()) book.merchants.emplace(m.row.id, m.sla_policy);
  return book;
}

sla::event_type sla_type_of(std::string_view sender) {
  if (sender == "buyer") return sla::event_type::buyer;
  if (sender == "agent") return sla::event_type::agent;
  return sla::event_type::automated;
}

namespace {

// A stored message or chat event as an SLA event; nullopt when it is none.
std::optional<sla::event> to_event(store::message_row const& m, std::string const& merchant) {
  if (m.blocked || !m.seq) return std::nullopt;
  auto type = sla_type_of(m.sender);
  return sla::event{m.ts, m.chat, merchant, type, type == sla::event_type::agent ? m.agent : ""};
}

std::optional<sla::event> to_event(store::chat_event_row const& e, std::string const& merchant) {
  if (e.kind != "assign" && e.kind != "close") return std::nullopt;
  bool assign = e.kind == "assign";
  return sla::event{e.ts, e.chat, merchant,
                    assign ? sla::event_type::assign : sla::event_type::close,
                    assign ? e.agent : ""};
}

}  // namespace

std::vector<sla::event> chat_sla_events(store::chat_row const& chat,
                                        std::vector<store::message_row> const& messages,
                                        std::vector<store::chat_event_row> const& events) {
  std::vector<std::pair<std::int64_t, sla::event>> ordered;
  for (auto const& m : messages)
    if (auto e = to_event(m, chat.merchant)) ordered.emplace_back(m.ord, std::move(*e));
  for (auto const& ev : events)
    if (auto e = to_event(ev, chat.merchant)) ordered.emplace_back(ev.ord, std::move(*e));
  std::sort(ordered.begin(), ordered.end(),
            [](auto const& a, auto const& b) { return a.first < b.first; });
  std::vector<sla::event> out;
  out.reserve(ordered.size());
  for (auto& [ord, e] : ordered) out.push_back(std::move(e));
  return out;
}

void for_each_sla_event(store::store& st, std::int64_t from, std::int64_t to,
                        merchant_filter const& keep,
                        std::function<void(sla::event const&)> const& each) {
  std::unordered_map<std::string, std::string> merchant_of;
  auto emit = [&](auto const& row) {
    auto it = merchant_of.find(row.chat);
    if (it == merchant_of.end()) return;
    if (auto e = to_event(row, it->second)) each(*e);
  };
  st.scan_events(
      from, to,
      [&](store::chat_row const& c) {
        if (keep(c.merchant)) merchant_of[c.id] = c.merchant;
      },
      emit, emit);
}

std::vector<sla::event> load_sla_events(store::store& st, std::int64_t from, std::int64_t to,
                                        merchant_filter const& keep) {
  std::vector<sla::event> out;
  for_each_sla_event(st, from, to, keep, [&](sla::event const& e) { out.push_back(e); });
  return out;
}

json::object satisfaction_json(std::int64_t rated, std::int64_t satisfied) {
  json::object o{{"rated", rated}, {"satisfied", satisfied}};
  if (rated > 0)
    o["satisfaction_rate"] = static_cast<double>(satisfied) / static_cast<double>(rated);
  else
    o["satisfaction_rate"] = nullptr;
  return o;
}

std::string scope_key(std::vector<std::string> const& scope) {
  if (std::find(scope.begin(), scope.end(), "*") != scope.end()) return "*";
  auto sorted = scope;
  std::sort(sorted.begin(), sorted.end());
  std::string key;
  for (auto const& m : sorted) key += (key.empty() ? "" : ",") + m;
  return key;
}

json::object today_stats(store::store& st, directory const& dir, std::int64_t now,
                         std::vector<std::vector<std::string>> const& scopes) {
  auto book = policies(dir);
  // Two days back covers every merchant's local "today" whatever its offset.
  std::int64_t from = now - 2 * 86'400'000LL;
  auto events = load_sla_events(st, from, now + 1, [](std::string const&) { return true; });
  auto chats = sla::replay(events, book, now);
  // A turn counts on the merchant-local day it started (sla.md), whenever its chat opened:
  // a chat from 23:50 yesterday adds today's turns to today.
  std::vector<sla::chat_result> today;
  for (auto& c : chats) {
    auto const day = sla::local_day(now, book.of(c.merchant).utc_offset_min());
    std::erase_if(c.turns, [&](sla::turn_result const& t) { return t.day != day; });
    if (!c.turns.empty()) today.push_back(std::move(c));
  }
  // Ratings of today's chats, by merchant and by (merchant, agent holding the chat at close).
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> sat_m;
  std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::int64_t>> sat_ma;
  for (auto const& row : st.chats_opened(from, now + 1)) {
    auto const& p = book.of(row.merchant);
    if (sla::local_day(row.opened, p.utc_offset_min()) != sla::local_day(now, p.utc_offset_min()))
      continue;
    if (!row.rating) continue;
    bool ok = *row.rating == "satisfied";
    sat_m[row.merchant].first++;
    sat_m[row.merchant].second += ok;
    if (!row.agent.empty()) {
      sat_ma[{row.merchant, row.agent}].first++;
      sat_ma[{row.merchant, row.agent}].second += ok;
    }
  }
  auto merge = [](json::object& into, std::string const& key, std::int64_t rated,
                  std::int64_t satisfied) {
    auto& slot = into[key];
    if (!slot.is_object()) slot = json::object{};
    for (auto const& kv : satisfaction_json(rated, satisfied))
      slot.as_object()[kv.key()] = kv.value();
  };

  auto const all_rep = sla::aggregate(today);
  json::object by_merchant;
  for (auto const& [k, m] : all_rep.by_merchant) by_merchant[k] = json::value_from(m);
  for (auto const& [k, v] : sat_m) merge(by_merchant, k, v.first, v.second);

  json::object by_agent_in;
  for (auto const& scope : scopes) {
    auto const key = scope_key(scope);
    if (by_agent_in.contains(key)) continue;
    bool const all = key == "*";
    auto in_scope = [&](std::string const& m) {
      return all || std::find(scope.begin(), scope.end(), m) != scope.end();
    };
    std::vector<sla::chat_result> mine;
    if (!all)
      for (auto const& c : today)
        if (in_scope(c.merchant)) mine.push_back(c);
    auto const rep = all ? all_rep : sla::aggregate(mine);
    json::object by_agent;
    for (auto const& [k, m] : rep.by_agent) by_agent[k] = json::value_from(m);
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> sat_a;
    for (auto const& [ma, v] : sat_ma) {
      if (!in_scope(ma.first)) continue;
      sat_a[ma.second].first += v.first;
      sat_a[ma.second].second += v.second;
    }
    for (auto const& [k, v] : sat_a) merge(by_agent, k, v.first, v.second);
    by_agent_in[key] = std::move(by_agent);
  }
  return {{"by_merchant", std::move(by_merchant)}, {"by_agent_in", std::move(by_agent_in)}};
}

}  // namespace kefu::app

#include "server/app/reports.hpp"

#include <map>
#include <unordered_map>

namespace kefu::app {

namespace json = boost::json;

sla::policy_book policies(directory const& dir) {
  sla::policy_book book;
  for (auto const& m : dir.merchants())
    if (auto p = sla::parse_merchant_policy(json::value(m.settings)))
      book.merchants.emplace(m.row.id, *p);
  return book;
}

std::vector<sla::event> load_sla_events(store::store& st, std::int64_t from, std::int64_t to,
                                        merchant_filter const& keep) {
  std::vector<sla::event> out;
  std::unordered_map<std::string, std::string> merchant_of;
  st.scan_events(
      from, to,
      [&](store::chat_row const& c) {
        if (keep(c.merchant)) merchant_of[c.id] = c.merchant;
      },
      [&](store::message_row const& m) {
        if (m.blocked || !m.seq) return;
        auto it = merchant_of.find(m.chat);
        if (it == merchant_of.end()) return;
        auto type = m.sender == "buyer"   ? sla::event_type::buyer
                    : m.sender == "agent" ? sla::event_type::agent
                                          : sla::event_type::automated;
        out.push_back(
            {m.ts, m.chat, it->second, type, type == sla::event_type::agent ? m.agent : ""});
      },
      [&](store::chat_event_row const& e) {
        if (e.kind != "assign" && e.kind != "close") return;
        auto it = merchant_of.find(e.chat);
        if (it == merchant_of.end()) return;
        bool assign = e.kind == "assign";
        out.push_back({e.ts, e.chat, it->second,
                       assign ? sla::event_type::assign : sla::event_type::close,
                       assign ? e.agent : ""});
      });
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

json::object today_stats(store::store& st, directory const& dir, std::int64_t now) {
  auto book = policies(dir);
  // Two days back covers every merchant's local "today" whatever its offset.
  std::int64_t from = now - 2 * 86'400'000LL;
  auto events = load_sla_events(st, from, now + 1, [](std::string const&) { return true; });
  auto chats = sla::replay(events, book, now);
  std::vector<sla::chat_result> today;
  for (auto& c : chats) {
    auto const& p = book.of(c.merchant);
    if (sla::local_day(c.opened, p.utc_offset_min()) == sla::local_day(now, p.utc_offset_min()))
      today.push_back(std::move(c));
  }
  auto rep = sla::aggregate(today);
  json::object by_merchant, by_agent;
  for (auto const& [k, m] : rep.by_merchant) by_merchant[k] = json::value_from(m);
  for (auto const& [k, m] : rep.by_agent) by_agent[k] = json::value_from(m);
  // Ratings of today's chats, by merchant and by the agent holding the chat at close.
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> sat_m, sat_a;
  for (auto const& row : st.chats_opened(from, now + 1)) {
    auto const& p = book.of(row.merchant);
    if (sla::local_day(row.opened, p.utc_offset_min()) != sla::local_day(now, p.utc_offset_min()))
      continue;
    if (!row.rating) continue;
    bool ok = *row.rating == "satisfied";
    sat_m[row.merchant].first++;
    sat_m[row.merchant].second += ok;
    if (!row.agent.empty()) {
      sat_a[row.agent].first++;
      sat_a[row.agent].second += ok;
    }
  }
  auto merge = [](json::object& into, auto const& sat) {
    for (auto const& [k, v] : sat) {
      auto& slot = into[k];
      if (!slot.is_object()) slot = json::object{};
      for (auto const& kv : satisfaction_json(v.first, v.second))
        slot.as_object()[kv.key()] = kv.value();
    }
  };
  merge(by_merchant, sat_m);
  merge(by_agent, sat_a);
  return {{"by_merchant", std::move(by_merchant)}, {"by_agent", std::move(by_agent)}};
}

}  // namespace kefu::app

#include "server/core/sla/price_guide.hpp"

#include "server/core/sla/hours.hpp"

#include <boost/json/parse.hpp>

#include <cmath>
#include <set>
#include <stdexcept>

namespace kefu::sla {
namespace json = boost::json;

namespace detail {
extern const char price_guide_json[];  // generated from shared/rules/price_guide.json
}

std::size_t price_guide::tier_for(double per_seat) const {
  for (std::size_t i = 0; i < tiers.size(); ++i) {
    if (!tiers[i].below || per_seat < *tiers[i].below) return i;
  }
  return tiers.size() - 1;  // unreachable for a parsed guide: the last row is open-ended
}

result<price_guide> parse_price_guide(std::string_view json_text) {
  boost::system::error_code ec;
  json::value v = json::parse(json_text, ec);
  if (ec) return error{"price guide: not valid JSON: " + ec.message()};
  const json::object* o = v.if_object();
  const json::value* tiers = o ? o->if_contains("tiers") : nullptr;
  if (tiers == nullptr || !tiers->is_array() || tiers->get_array().empty()) {
    return error{"price guide: expected {\"tiers\": [...]} with at least one row"};
  }
  price_guide g;
  const auto& rows = tiers->get_array();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string where = "price guide: tiers[" + std::to_string(i) + "]";
    const json::object* row = rows[i].if_object();
    if (row == nullptr) return error{where + ": expected an object"};
    price_tier t;
    if (const auto* l = row->if_contains("label"); l && l->is_string()) t.label = l->get_string();
    const json::value* below = row->if_contains("below");
    const bool last = i + 1 == rows.size();
    if (last) {
      if (below != nullptr && !below->is_null()) {
        return error{where + ": the last row must be open-ended (\"below\": null)"};
      }
    } else {
      if (below == nullptr || !below->is_number())
        return error{where + ": \"below\" must be a number"};
      t.below = below->to_number<double>();
      if (!std::isfinite(*t.below) || (!g.tiers.empty() && *t.below <= *g.tiers.back().below)) {
        return error{where + ": bounds must increase"};
      }
    }
    for (auto [key, slot] : {std::pair{"presale", &t.presale}, std::pair{"full", &t.full}}) {
      const json::value* p = row->if_contains(key);
      if (p == nullptr || !(p->is_int64() || p->is_uint64()) || p->to_number<std::int64_t>() < 0) {
        return error{where + ": \"" + key + "\" must be a non-negative integer"};
      }
      *slot = p->to_number<std::int64_t>();
    }
    g.tiers.push_back(std::move(t));
  }
  return g;
}

const price_guide& builtin_price_guide() {
  static const price_guide guide = [] {
    auto r = parse_price_guide(detail::price_guide_json);
    // The file is checked by the tests; a broken build-time copy is a bug, not input.
    if (!r) throw std::logic_error(r.message());
    return std::move(*r);
  }();
  return guide;
}

price_estimate estimate(std::span<const day_volume> days, const price_guide& guide,
                        service_scope scope) {
  price_estimate e;
  double sum = 0;
  for (const day_volume& d : days) {
    if (d.seats <= 0) continue;
    sum += static_cast<double>(d.consultations) / static_cast<double>(d.seats);
    ++e.days;
  }
  if (e.days == 0 || guide.tiers.empty()) return e;
  e.per_seat = sum / static_cast<double>(e.days);
  e.tier = guide.tier_for(*e.per_seat);
  e.price = guide.tiers[*e.tier].price(scope);
  return e;
}

volume_table daily_volume(std::span<const chat_result> chats) {
  volume_table table;
  std::map<std::pair<std::string_view, std::int64_t>, std::set<std::string_view>> seats;
  for (const chat_result& c : chats) {
    if (c.turns.empty()) continue;  // no buyer message: not a consultation
    auto& days = table[c.merchant];
    ++days[c.opened_day].consultations;
    for (const turn_result& t : c.turns) {
      if (!t.answered() || !t.agent) continue;
      days.try_emplace(t.day);
      seats[{c.merchant, t.day}].insert(*t.agent);
    }
  }
  for (const auto& [key, agents] : seats) {
    table.find(key.first)->second[key.second].seats = static_cast<std::int64_t>(agents.size());
  }
  return table;
}

json::object price_report(std::span<const chat_result> chats, const policy_book& policies,
                          const price_guide& guide) {
  json::object by_merchant;
  for (const auto& [merchant, days] : daily_volume(chats)) {
    const service_scope scope = policies.of(merchant).scope.value_or(service_scope::presale);
    std::vector<day_volume> list;
    json::object daily;
    for (const auto& [day, v] : days) {
      list.push_back(v);
      daily[day_key(day)] = json::object{{"consultations", v.consultations}, {"seats", v.seats}};
    }
    const price_estimate e = estimate(list, guide, scope);
    json::object m;
    m["service_scope"] = to_string(scope);
    m["days"] = e.days;
    m["consultations_per_seat"] = e.per_seat ? json::value(*e.per_seat) : json::value(nullptr);
    m["tier"] = e.tier ? json::value(guide.tiers[*e.tier].label) : json::value(nullptr);
    m["price"] = e.price ? json::value(*e.price) : json::value(nullptr);
    // Both columns of the guide (售前, 售前售后全包) for the tier, whatever the scope.
    if (e.tier)
      m["prices"] = json::object{{"presale", guide.tiers[*e.tier].presale},
                                 {"full", guide.tiers[*e.tier].full}};
    else
      m["prices"] = nullptr;
    m["daily"] = std::move(daily);
    by_merchant[merchant] = std::move(m);
  }
  return json::object{{"by_merchant", std::move(by_merchant)}};
}

}  // namespace kefu::sla

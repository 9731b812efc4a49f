#pragma once
// The price guide of seed 000 section 4.9: a merchant's daily consultations
// per seat, averaged over a window, picks a row of the guide; the merchant's
// service scope picks the column. The table itself is data
// (shared/rules/price_guide.json, compiled in).

#include "server/core/sla/policy.hpp"
#include "server/core/sla/report.hpp"
#include "server/core/sla/result.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kefu::sla {

struct price_tier {
  std::string label;
  std::optional<double> below;  // the row applies to figures < below; none on the last row
  std::int64_t presale = 0;     // 售前, per month
  std::int64_t full = 0;        // 售前售后全包, per month

  std::int64_t price(service_scope s) const { return s == service_scope::full ? full : presale; }
};

struct price_guide {
  std::vector<price_tier> tiers;  // bounds strictly increasing, last one open-ended

  // The first row whose bound the figure is under.
  std::size_t tier_for(double per_seat) const;
};

// {"tiers": [{"label", "below": number|null, "presale", "full"}, ...]}
result<price_guide> parse_price_guide(std::string_view json_text);
// shared/rules/price_guide.json as built into the library.
const price_guide& builtin_price_guide();

// One merchant-local day of one merchant.
struct day_volume {
  std::int64_t consultations = 0;  // chats opened that day with at least one buyer message
  std::int64_t seats = 0;          // distinct agents who answered a turn started that day
};

struct price_estimate {
  std::size_t days = 0;            // days that had at least one seat
  std::optional<double> per_seat;  // mean over those days of consultations / seats
  std::optional<std::size_t> tier;
  std::optional<std::int64_t> price;
};

// Days with no seat are skipped; with no day left there is no figure.
price_estimate estimate(std::span<const day_volume> days, const price_guide& guide,
                        service_scope scope);

// Per merchant, per merchant-local day number, from replayed chats.
using volume_table = std::map<std::string, std::map<std::int64_t, day_volume>, std::less<>>;
volume_table daily_volume(std::span<const chat_result> chats);

// {"by_merchant": {"m1": {"service_scope", "days", "consultations_per_seat", "tier", "price",
//  "prices": {"presale", "full"},
//  "daily": {"YYYY-MM-DD": {"consultations", "seats"}}}}}
boost::json::object price_report(std::span<const chat_result> chats, const policy_book& policies,
                                 const price_guide& guide = builtin_price_guide());

}  // namespace kefu::sla

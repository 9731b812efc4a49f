#pragma once
// Value types shared by the compliance engine: categories, actions, roles, violations and
// verdicts, with their JSON forms (tag_invoke next to each type).

#include <boost/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace kefu::compliance {

enum class category : std::uint8_t {
  contact,
  payment,
  link,
  solicit,
  counterfeit,
  abuse,
  impersonation,
  exaggeration,
  rude,
  greeting,
};
inline constexpr int category_count = 10;

enum class action : std::uint8_t { allow, warn, block };
enum class role : std::uint8_t { agent, buyer };

std::string_view to_string(category c) noexcept;
std::string_view to_string(action a) noexcept;
std::string_view to_string(role r) noexcept;
std::optional<category> parse_category(std::string_view s) noexcept;
std::optional<action> parse_action(std::string_view s) noexcept;
std::optional<role> parse_role(std::string_view s) noexcept;

// Categories checked on buyer text; everything else is agent-only.
bool checked_for_buyer(category c) noexcept;

// One offending span. start/end are Unicode code points into the original text, end exclusive.
struct violation {
  category cat = category::contact;
  std::string rule;
  std::uint32_t start = 0;
  std::uint32_t end = 0;
  std::string excerpt;     // exactly the original text [start, end)
  std::string suggestion;  // empty when the rule has no polite alternative
};

// The version of the rule pack (and merchant overrides) that decided a verdict. One engine's
// verdicts share one string: recording it in every verdict allocates nothing.
class pack_name {
 public:
  pack_name() = default;
  explicit pack_name(std::string s) : s_(std::make_shared<std::string const>(std::move(s))) {}
  std::string const& str() const noexcept {
    static std::string const none;
    return s_ ? *s_ : none;
  }
  bool empty() const noexcept { return str().empty(); }
  friend bool operator==(pack_name const& a, pack_name const& b) noexcept {
    return a.str() == b.str();
  }
  friend bool operator==(pack_name const& a, std::string_view b) noexcept { return a.str() == b; }
  friend std::ostream& operator<<(std::ostream& o, pack_name const& p) { return o << p.str(); }

 private:
  std::shared_ptr<std::string const> s_;
};

struct verdict {
  action act = action::allow;
  std::vector<violation> violations;
  pack_name pack;
};

// Folds b into a: union of violations (ordered by start), stronger action wins.
void merge_into(verdict& a, verdict const& b);

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, category c);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, action a);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, violation const& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, verdict const& v);

boost::json::result<category> tag_invoke(boost::json::try_value_to_tag<category>,
                                         boost::json::value const& jv);
boost::json::result<action> tag_invoke(boost::json::try_value_to_tag<action>,
                                       boost::json::value const& jv);
boost::json::result<role> tag_invoke(boost::json::try_value_to_tag<role>,
                                     boost::json::value const& jv);
// Reading stored verdicts back (transcripts, QA).
boost::json::result<violation> tag_invoke(boost::json::try_value_to_tag<violation>,
                                          boost::json::value const& jv);
boost::json::result<verdict> tag_invoke(boost::json::try_value_to_tag<verdict>,
                                        boost::json::value const& jv);

// {"action": …, "violations": […], "pack": …} as one compact line.
std::string to_json(verdict const& v);

}  // namespace kefu::compliance

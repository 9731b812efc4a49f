// QA endpoints: samples, scorecards, reviews, appeals, scores, exports, the
// audit log and retention, and the transcript view they all read. Runs on the
// DB pool (api::route is called there).

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "server/app/api.hpp"
#include "server/app/auth.hpp"
#include "server/app/json_util.hpp"
#include "server/core/qa/audit.hpp"
#include "server/core/qa/masking.hpp"
#include "server/core/qa/sampling.hpp"
#include "server/core/qa/scorecard.hpp"
#include "server/core/qa/text.hpp"

namespace kefu::app {

namespace json = boost::json;
using net::http_request;
using net::http_response;

namespace {

bool can_review(store::user const& u) {
  return u.role == "qa" || u.role == "admin";
}
bool reads_qa(store::user const& u) {
  return u.role == "qa" || u.role == "manager" || u.role == "admin";
}
// Masking for one chat: its buyer's id counts as the profile name when it reads as a name
// (not ASCII, two to eight characters), so 张伟你好 shows as 张*你好 wherever it appears.
qa::mask_options mask_for(store::chat_row const& row) {
  qa::mask_options o;
  auto const cps = qa::text::decode(row.buyer);
  bool const ascii = std::all_of(cps.begin(), cps.end(), [](char32_t c) { return c < 0x80; });
  if (!ascii && cps.size() >= 2 && cps.size() <= 8) o.names.push_back(row.buyer);
  return o;
}

bool may_unmask(store::user const& u) {
  return u.role == "admin" ||
         std::find(u.permissions.begin(), u.permissions.end(), "unmask") != u.permissions.end();
}

// Week starting Monday 00:00 in China time (+08:00), the merchants' default.
std::int64_t week_start(std::int64_t now) {
  constexpr std::int64_t day = 86'400'000, off = 8 * 3'600'000;
  std::int64_t local_day = (now + off) / day;
  std::int64_t weekday = (local_day + 3) % 7;  // 1970-01-01 was a Thursday: Monday = 0
  return (local_day - weekday) * day - off;
}

std::string csv_field(std::string const& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

// ------------------------------------------------------------- chat facts

api::chat_view api::load_chat_view(store::chat_row const& row) {
  chat_view v;
  v.row = row;
  auto m = dir_.merchant(row.merchant);
  auto msgs = store_.messages(row.id);
  auto events = store_.chat_events(row.id);

  json::array messages, blocked, evs_json;
  std::vector<std::string> agent_texts;
  std::optional<std::string> first_human;
  bool first_human_off_template = false;  // its live verdict holds a greeting violation
  bool auto_greeted = false;
  for (auto const& msg : msgs) {
    json::object o{{"from", msg.sender}, {"text", msg.text}, {"ts", msg.ts}};
    if (!msg.agent.empty()) o["agent"] = msg.agent;
    if (!msg.client_id.empty()) o["id"] = msg.client_id;
    std::optional<json::value> verdict;
    if (!msg.verdict_json.empty()) verdict = parse_json(msg.verdict_json);
    if (verdict) o["verdict"] = *verdict;
    if (msg.blocked || !msg.seq) {
      if (msg.sender == "agent") ++v.candidate.blocked;
      blocked.push_back(std::move(o));
      continue;
    }
    o["seq"] = *msg.seq;
    messages.push_back(std::move(o));
    if (msg.sender == "agent") {
      agent_texts.push_back(msg.text);
      if (!first_human) {
        first_human = msg.text;
        first_human_off_template =
            verdict && verdict_has(*verdict, [](std::string_view c) { return c == "greeting"; });
      }
      if (verdict && verdict->is_object()) {
        auto const* a = verdict->as_object().if_contains("action");
        if (a && a->is_string() && a->as_string() == "warn") ++v.candidate.warned;
      }
    }
    if (msg.sender == "auto") auto_greeted = true;
  }
  json::array transfers;
  for (auto const& e : events) {
    json::object o{{"kind", e.kind}, {"ts", e.ts}};
    if (!e.agent.empty()) o["agent"] = e.agent;
    if (!e.data.empty()) o["data"] = e.data;
    // Every handover after the first assignment: by the agent, or after a lost connection.
    if (e.kind == "assign" && (e.data == "transfer" || e.data == "grace")) transfers.push_back(o);
    evs_json.push_back(std::move(o));
  }
  // SLA turns from the stored events, in stored order.
  auto ordered = chat_sla_events(row, msgs, events);
  auto policy = m ? m->sla_policy : sla::merchant_policy{};
  json::array turns;
  std::int64_t hits30 = 0, misses30 = 0;
  if (auto result = sla::replay_chat(ordered, policy, row.closed.value_or(now_ms()))) {
    for (auto const& t : result->turns) {
      turns.push_back(json::value_from(t));
      if (t.first) {
        auto o = t.at(sla::threshold::first);
        // A first turn not counted (the chat closed before the threshold passed) is not held
        // against the agent, as sla.md keeps it out of every rate.
        if (o == sla::outcome::hit) v.facts.first_response_hit = true;
        if (o == sla::outcome::miss) {
          v.facts.first_response_hit = false;
          v.candidate.first_response_miss = true;
        }
      }
      if (t.at(sla::threshold::reply) == sla::outcome::hit) ++hits30;
      if (t.at(sla::threshold::reply) == sla::outcome::miss) ++misses30;
      if (t.at(sla::threshold::r3) == sla::outcome::miss) ++v.candidate.r3_misses;
    }
  }
  // The share over the turns sla.md counts (hits and misses), like reply_30s_rate.
  if (hits30 + misses30 > 0)
    v.facts.reply_30s_share = static_cast<double>(hits30) / static_cast<double>(hits30 + misses30);
  v.facts.blocked = v.candidate.blocked;
  v.facts.warned = v.candidate.warned;
  v.facts.rating = row.rating;
  v.candidate.chat = row.id;
  v.candidate.agent = row.agent;
  v.candidate.rating = row.rating;
  if (m) {
    if (m->greeting_mode == "agent") {
      // The live greeting check already judged the first human message: the score agrees
      // with the verdict the agent saw.
      v.facts.greeting_followed = first_human && !first_human_off_template;
    } else {
      // auto: the merchant's greeting, or its platform's when it has none, is sent for it.
      v.facts.greeting_followed = auto_greeted;
    }
    // A merchant without a closing phrase of its own is held to its platform's (seed 004).
    std::string closing = m->closing;
    if (closing.empty())
      if (auto eng = rules_.engine_for(m->row.id, m->row.platform))
        closing = eng->closing_template();
    if (!closing.empty()) v.facts.closing_used = qa::closing_used(closing, agent_texts);
  }
  v.transcript = {{"id", row.id},
                  {"merchant", row.merchant},
                  {"buyer", row.buyer},
                  {"agent", row.agent.empty() ? json::value(nullptr) : json::value(row.agent)},
                  {"opened", row.opened},
                  {"closed", row.closed ? json::value(*row.closed) : json::value(nullptr)},
                  {"rating", row.rating ? json::value(*row.rating) : json::value(nullptr)},
                  {"messages", std::move(messages)},
                  {"blocked", std::move(blocked)},
                  {"events", std::move(evs_json)},
                  {"transfers", std::move(transfers)},
                  {"turns", std::move(turns)},
                  {"facts", json::value_from(v.facts)}};
  return v;
}

void api::audit(std::string const& actor, std::string const& action, std::string const& target,
                json::object detail) {
  store::audit_row row;
  row.at = now_ms();
  row.actor = actor;
  row.action = action;
  row.target = target;
  row.detail_json = json_text(detail);
  store_.append_audit(row, [](std::string const& prev, store::audit_row const& r) {
    return qa::entry_hash(prev, {r.seq, r.at, r.actor, r.action, r.target, r.detail_json});
  });
}

qa::scorecard api::scorecard_for(std::string const& merchant) {
  if (auto rec = store_.find_record("scorecard", merchant))
    if (auto card = qa::parse_scorecard_text(rec->body)) return *card;
  auto card = qa::default_scorecard();
  card.merchant = merchant;
  return card;
}

// ---------------------------------------------------------- transcript view

void api::get_chat(caller const& who, std::string const& id, http_request const& req,
                   respond_fn const& respond) {
  auto row = store_.find_chat(id);
  auto const& u = who.user;
  if (!row) return respond(json_error(404, "not_found", "no such chat"));
  if (!in_scope(u, row->merchant))
    return respond(json_error(403, "forbidden", "chat of a merchant outside your scope"));
  if (u.role == "agent") {
    bool held = row->agent == u.id;
    for (auto const& e : store_.chat_events(id))
      held = held || (e.kind == "assign" && e.agent == u.id);
    if (!held) return respond(json_error(403, "forbidden", "not a chat you held"));
  }
  bool unmask = req.param("unmask") == "1" || req.param("unmask") == "true";
  if (unmask && !may_unmask(u))
    return respond(json_error(403, "forbidden", "unmasking needs the unmask permission"));
  auto view = load_chat_view(*row);
  // Agents work the live chat and see what the buyer wrote; every other view
  // is masked unless explicitly unmasked.
  bool masked = u.role != "agent" && !unmask;
  if (masked) qa::mask_transcript(view.transcript, mask_for(*row));
  view.transcript["masked"] = masked;
  audit(u.id, unmask ? "transcript.unmask" : "transcript.view", id,
        {{"merchant", row->merchant}, {"masked", masked}});
  respond(json_ok(view.transcript));
}

// ------------------------------------------------------------------ routes

bool api::qa_route(caller const& who, http_request const& req, respond_fn const& respond) {
  auto const& path = req.path;
  auto const& method = req.method;
  auto const& u = who.user;

  if (path == "/api/qa/samples" && method == "POST") {
    if (!can_review(u) && u.role != "manager")
      return respond(json_error(403, "forbidden", "QA leads and managers only")), true;
    auto body = parse_json(req.body);
    if (!body || !body->is_object())
      return respond(json_error(400, "bad_request", "body must be a JSON object")), true;
    auto const& o = body->as_object();
    auto const* mv = o.if_contains("merchant");
    auto from = o.if_contains("from"), to = o.if_contains("to");
    if (!mv || !mv->is_string() || !from || !from->is_int64() || !to || !to->is_int64())
      return respond(
                 json_error(400, "bad_request", "merchant, from and to (epoch ms) are required")),
             true;
    std::string merchant(mv->as_string());
    if (auto no = merchant_refusal(u, merchant)) return respond(std::move(*no)), true;
    // Without a seed the draw is fresh; the seed used is stored with the sample.
    std::uint64_t fresh_seed = std::stoull(random_hex(8), nullptr, 16);
    auto params = qa::parse_sample_params(o, fresh_seed);
    if (!params) return respond(json_error(400, "bad_request", params.message())), true;
    std::vector<qa::candidate> candidates;
    for (auto const& row : store_.chats_opened(from->as_int64(), to->as_int64(), merchant)) {
      if (!row.closed) continue;
      // A chat no agent held (closed in the queue) is no candidate: not drawn, not counted.
      if (row.agent.empty()) continue;
      auto view = load_chat_view(row);
      candidates.push_back(view.candidate);
    }
    auto chats = qa::draw(candidates, *params);
    std::string sample_id = "s" + random_hex(8);
    json::array ids;
    for (auto const& c : chats) ids.emplace_back(c);
    json::object rec{{"sample", sample_id},
                     {"merchant", merchant},
                     {"from", from->as_int64()},
                     {"to", to->as_int64()},
                     {"params", json::value_from(*params)},
                     {"drawn_by", u.id},
                     {"drawn_at", now_ms()},
                     {"candidates", candidates.size()},
                     {"chats", ids}};
    store_.put_record({"sample", sample_id, merchant, "", "", now_ms(), json_text(rec)});
    audit(u.id, "sample.draw", sample_id, {{"merchant", merchant}, {"size", chats.size()}});
    respond(json_ok(json::object{{"sample", sample_id}, {"chats", ids}}, 201));
    return true;
  }
  if (path == "/api/qa/samples" && method == "GET") {
    if (!reads_qa(u)) return respond(json_error(403, "forbidden", "not for agents")), true;
    json::array out;
    store::qa_filter f;
    f.merchant = req.param("merchant");
    for (auto const& r : store_.list_records("sample", f))
      if (in_scope(u, r.merchant))
        if (auto v = parse_json(r.body)) out.push_back(*v);
    respond(json_ok(json::object{{"samples", out}}));
    return true;
  }
  if (path.rfind("/api/qa/samples/", 0) == 0 && method == "GET") {
    if (!reads_qa(u)) return respond(json_error(403, "forbidden", "not for agents")), true;
    auto rest = path.substr(16);
    bool export_ = false;
    if (rest.size() > 7 && rest.compare(rest.size() - 7, 7, "/export") == 0) {
      export_ = true;
      rest = rest.substr(0, rest.size() - 7);
    }
    auto rec = store_.find_record("sample", rest);
    if (!rec) return respond(json_error(404, "not_found", "no such sample")), true;
    if (!in_scope(u, rec->merchant))
      return respond(json_error(403, "forbidden", "sample of a merchant outside your scope")), true;
    if (!export_) {
      audit(u.id, "sample.view", rest, {{"merchant", rec->merchant}});
      respond({200, "application/json", rec->body, {}});
      return true;
    }
    export_sample(who, *rec, req, respond);
    return true;
  }
  if (path == "/api/qa/weekly" && method == "GET") {
    if (!reads_qa(u)) return respond(json_error(403, "forbidden", "not for agents")), true;
    auto now = now_ms();
    auto start = week_start(now);
    json::object out;
    for (auto const& m : dir_.merchants()) {
      if (!in_scope(u, m.row.id)) continue;
      store::qa_filter f;
      f.merchant = m.row.id;
      f.from = start;
      f.to = now + 1;
      std::set<std::string> reviewed;
      for (auto const& r : store_.list_records("review", f)) reviewed.insert(r.chat);
      out[m.row.id] = {{"week_start", start},
                       {"reviewed", reviewed.size()},
                       {"target", 50},
                       {"met", reviewed.size() >= 50}};
    }
    respond(json_ok(json::object{{"merchants", out}}));
    return true;
  }
  if (path == "/api/qa/scorecards") {
    auto merchant = req.param("merchant");
    if (merchant.empty())
      return respond(json_error(400, "bad_request", "merchant is required")), true;
    if (auto no = merchant_refusal(u, merchant)) return respond(std::move(*no)), true;
    if (method == "GET") {
      if (!reads_qa(u) && u.role != "agent")
        return respond(json_error(403, "forbidden", "forbidden")), true;
      respond(json_ok(json::value_from(scorecard_for(merchant))));
      return true;
    }
    if (method == "PUT" || method == "POST") {
      if (!can_review(u) && u.role != "manager")
        return respond(json_error(403, "forbidden", "QA leads, managers and admins only")), true;
      auto card = qa::parse_scorecard_text(req.body);
      if (!card) return respond(json_error(400, "bad_request", card.message())), true;
      card->merchant = merchant;
      if (card->id.empty()) card->id = merchant;
      store_.put_record(
          {"scorecard", merchant, merchant, "", "", now_ms(), json_text(json::value_from(*card))});
      audit(u.id, "scorecard.save", merchant, {});
      respond(json_ok(json::value_from(*card)));
      return true;
    }
  }
  if (path == "/api/qa/reviews" && method == "POST") {
    if (!can_review(u)) return respond(json_error(403, "forbidden", "QA leads only")), true;
    auto body = parse_json(req.body);
    if (!body || !body->is_object())
      return respond(json_error(400, "bad_request", "body must be a JSON object")), true;
    auto const& o = body->as_object();
    auto const* chat = o.if_contains("chat");
    if (!chat || !chat->is_string())
      return respond(json_error(400, "bad_request", "chat is required")), true;
    auto row = store_.find_chat(std::string(chat->as_string()));
    if (!row || !in_scope(u, row->merchant))
      return respond(json_error(404, "not_found", "no such chat")), true;
    auto input = qa::parse_review_input(o);
    if (!input) return respond(json_error(400, "bad_request", input.message())), true;
    auto card = scorecard_for(row->merchant);
    auto view = load_chat_view(*row);
    auto filled = qa::auto_scores(card, view.facts);
    auto scored = qa::validate_review(card, *input, filled);
    if (!scored) return respond(json_error(400, "bad_request", scored.message())), true;
    std::string id = "r" + random_hex(8);
    json::object rec = json::value_from(*scored).as_object();
    rec["id"] = id;
    rec["chat"] = row->id;
    rec["merchant"] = row->merchant;
    rec["agent"] = row->agent;
    rec["reviewer"] = u.id;
    rec["created"] = now_ms();
    rec["scorecard"] = card.id;
    rec["auto"] = json::value_from(filled);
    if (auto const* s = o.if_contains("sample"); s && s->is_string()) rec["sample"] = *s;
    rec["appeal"] = nullptr;
    store_.put_record({"review", id, row->merchant, row->id, row->agent, now_ms(), json_text(rec)});
    audit(u.id, "review.save", id, {{"chat", row->id}, {"total", scored->total}});
    respond(json_ok(rec, 201));
    return true;
  }
  if (path == "/api/qa/reviews" && method == "GET") {
    store::qa_filter f;
    f.merchant = req.param("merchant");
    f.chat = req.param("chat");
    f.agent = u.role == "agent" ? u.id : req.param("agent");  // agents see their own only
    json::array out;
    for (auto const& r : store_.list_records("review", f))
      if (in_scope(u, r.merchant))
        if (auto v = parse_json(r.body)) out.push_back(*v);
    respond(json_ok(json::object{{"reviews", out}}));
    return true;
  }
  if (path == "/api/qa/scores" && method == "GET") {
    if (!reads_qa(u) && u.role != "agent")
      return respond(json_error(403, "forbidden", "forbidden")), true;
    auto g = req.param("group").empty() ? std::string("agent") : req.param("group");
    if (g != "agent" && g != "merchant")
      return respond(json_error(400, "bad_request", "group must be agent or merchant")), true;
    store::qa_filter f;
    f.from = parse_ms(req.param("from"));
    f.to = parse_ms(req.param("to"));
    if (u.role == "agent") f.agent = u.id;
    // Per key: count, mean total, and the mean per week (trend over time).
    struct acc {
      int n = 0;
      double sum = 0;
      std::map<std::int64_t, std::pair<int, double>> weeks;
    };
    std::map<std::string, acc> by;
    for (auto const& r : store_.list_records("review", f)) {
      if (!in_scope(u, r.merchant)) continue;
      auto v = parse_json(r.body);
      if (!v || !v->is_object()) continue;
      auto const* total = v->as_object().if_contains("total");
      if (!total || !total->is_number()) continue;
      double t = total->to_number<double>();
      auto& a = by[g == "agent" ? r.agent : r.merchant];
      a.n++;
      a.sum += t;
      auto& w = a.weeks[week_start(r.created)];
      w.first++;
      w.second += t;
    }
    json::object out;
    for (auto const& [k, a] : by) {
      json::array weeks;
      for (auto const& [ws, w] : a.weeks)
        weeks.push_back(
            {{"week_start", ws}, {"reviews", w.first}, {"avg_total", w.second / w.first}});
      out[k] = {{"reviews", a.n}, {"avg_total", a.sum / a.n}, {"weeks", std::move(weeks)}};
    }
    respond(json_ok(json::object{{"by_" + g, std::move(out)}}));
    return true;
  }
  if (path == "/api/qa/appeals" && method == "POST") {
    if (u.role != "agent")
      return respond(json_error(403, "forbidden", "agents appeal their reviews")), true;
    auto body = parse_json(req.body);
    auto const* rid = body && body->is_object() ? body->as_object().if_contains("review") : nullptr;
    auto const* reason =
        body && body->is_object() ? body->as_object().if_contains("reason") : nullptr;
    if (!rid || !rid->is_string() || !reason || !reason->is_string() || reason->as_string().empty())
      return respond(json_error(400, "bad_request", "review and reason are required")), true;
    auto rec = store_.find_record("review", std::string(rid->as_string()));
    if (!rec || rec->agent != u.id)
      return respond(json_error(404, "not_found", "no such review")), true;
    store::qa_filter f;
    f.chat = rec->chat;
    for (auto const& a : store_.list_records("appeal", f)) {
      auto v = parse_json(a.body);
      if (v && v->is_object() && v->as_object().at("review") == json::value(rec->id) &&
          v->as_object().at("status") == json::value("open"))
        return respond(json_error(409, "conflict", "this review already has an open appeal")), true;
    }
    std::string id = "p" + random_hex(8);
    json::object ap{{"id", id},          {"review", rec->id}, {"chat", rec->chat},  {"agent", u.id},
                    {"reason", *reason}, {"status", "open"},  {"created", now_ms()}};
    store_.put_record({"appeal", id, rec->merchant, rec->chat, u.id, now_ms(), json_text(ap)});
    audit(u.id, "appeal.open", id, {{"review", rec->id}});
    respond(json_ok(ap, 201));
    return true;
  }
  if (path == "/api/qa/appeals" && method == "GET") {
    store::qa_filter f;
    f.merchant = req.param("merchant");
    if (u.role == "agent") f.agent = u.id;
    json::array out;
    for (auto const& r : store_.list_records("appeal", f))
      if (in_scope(u, r.merchant))
        if (auto v = parse_json(r.body)) out.push_back(*v);
    respond(json_ok(json::object{{"appeals", out}}));
    return true;
  }
  if (path.rfind("/api/qa/appeals/", 0) == 0 && method == "POST" && path.size() > 24 &&
      path.compare(path.size() - 8, 8, "/resolve") == 0) {
    if (!can_review(u)) return respond(json_error(403, "forbidden", "QA leads only")), true;
    auto id = path.substr(16, path.size() - 24);
    auto rec = store_.find_record("appeal", id);
    if (!rec || !in_scope(u, rec->merchant))
      return respond(json_error(404, "not_found", "no such appeal")), true;
    auto body = parse_json(req.body);
    auto const* decision =
        body && body->is_object() ? body->as_object().if_contains("decision") : nullptr;
    auto const* reason =
        body && body->is_object() ? body->as_object().if_contains("reason") : nullptr;
    if (!decision || !decision->is_string() ||
        (decision->as_string() != "accept" && decision->as_string() != "reject") || !reason ||
        !reason->is_string() || reason->as_string().empty())
      return respond(json_error(400, "bad_request",
                                "decision (accept|reject) and reason are required")),
             true;
    auto ap = parse_json(rec->body).value_or(json::object{}).as_object();
    if (ap["status"] != json::value("open"))
      return respond(json_error(409, "conflict", "the appeal is already resolved")), true;
    ap["status"] = decision->as_string() == "accept" ? "accepted" : "rejected";
    ap["resolution"] = *reason;
    ap["resolver"] = u.id;
    ap["resolved"] = now_ms();
    rec->body = json_text(ap);
    store_.put_record(*rec);
    audit(u.id, "appeal.resolve", id, {{"decision", *decision}});
    respond(json_ok(ap));
    return true;
  }
  if (path == "/api/audit" && method == "GET") {
    if (u.role != "admin") return respond(json_error(403, "forbidden", "admins only")), true;
    // Without from_seq the newest entries (a fresh view is on the last page, not the first).
    auto from = parse_ms(req.param("from_seq")).value_or(0);
    auto limit = parse_ms(req.param("limit")).value_or(1000);
    json::array entries;
    store_.scan_audit(from, static_cast<std::size_t>(std::clamp<std::int64_t>(limit, 1, 10'000)),
                      [&](store::audit_row const& r) {
                        json::object o{{"seq", r.seq},       {"at", r.at},
                                       {"actor", r.actor},   {"action", r.action},
                                       {"target", r.target}, {"hash", r.hash}};
                        o["detail"] = parse_json(r.detail_json).value_or(json::object{});
                        entries.push_back(std::move(o));
                      });
    json::object out{{"entries", entries}};
    if (req.param("verify") == "1") {
      // The same check as kefu-audit verify, over the whole log.
      // The head first: rows appended while the log is read lie past it and are left out,
      // rather than reported as rows the head does not know.
      std::optional<qa::chain_head> head;
      if (auto h = store_.audit_head()) head = qa::chain_head{h->first, h->second};
      std::vector<std::pair<qa::audit_entry, std::string>> chain;
      store_.scan_audit(1, 0, [&](store::audit_row const& r) {
        if (head && r.seq > head->seq) return;
        chain.push_back({{r.seq, r.at, r.actor, r.action, r.target, r.detail_json}, r.hash});
      });
      out["chain"] = json::value_from(qa::verify_chain(chain, head));
    }
    respond(json_ok(out));
    return true;
  }
  if (path == "/api/admin/retention" && method == "POST") {
    if (u.role != "admin") return respond(json_error(403, "forbidden", "admins only")), true;
    auto n = run_retention(u.id);
    respond(json_ok(json::object{{"purged", n}}));
    return true;
  }
  return false;
}

std::size_t api::run_retention(std::string const& actor) {
  std::int64_t cutoff = now_ms() - cfg_.retention_days * 86'400'000LL;
  auto n = store_.purge_closed_before(cutoff);
  audit(actor, "retention.purge", "transcripts",
        {{"before", cutoff}, {"days", cfg_.retention_days}, {"purged", n}});
  return n;
}

// A sample with its reviews, masked, streamed as CSV or JSON Lines.
void api::export_sample(caller const& who, store::qa_record const& sample, http_request const& req,
                        respond_fn const& respond) {
  auto format = req.param("format").empty() ? std::string("jsonl") : req.param("format");
  if (format != "csv" && format != "jsonl")
    return respond(json_error(400, "bad_request", "format must be csv or jsonl"));
  bool unmask = req.param("unmask") == "1";
  if (unmask && !may_unmask(who.user))
    return respond(json_error(403, "forbidden", "unmasking needs the unmask permission"));
  audit(who.user.id, unmask ? "export.unmask" : "export", sample.id,
        {{"format", format}, {"merchant", sample.merchant}});
  http_response r{
      200, format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson", {}, {}};
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + sample.id + "." +
                                                    (format == "csv" ? "csv" : "jsonl") + "\"");
  auto self = shared_from_this();
  r.producer = [self, sample, format, unmask](net::chunk_sink& sink) {
    auto body = parse_json(sample.body);
    if (!body || !body->is_object()) return;
    auto const* chats = body->as_object().if_contains("chats");
    if (!chats || !chats->is_array()) return;
    if (format == "csv" &&
        !sink.write("chat,merchant,buyer,agent,opened,closed,rating,seq,from,ts,text,verdict,"
                    "blocked,review_totals,review_comments\n"))
      return;
    // One chat at a time: memory holds a single transcript however big the sample.
    for (auto const& c : chats->as_array()) {
      if (!c.is_string()) continue;
      std::optional<store::chat_row> row;
      try {
        row = self->store_.find_chat(std::string(c.as_string()));
      } catch (std::exception const&) {
        return;
      }
      if (!row) continue;
      auto view = self->load_chat_view(*row);
      // With the names the chat gave after a cue, so a reviewer's comment quoting one is masked.
      auto const masking =
          unmask ? qa::mask_options{} : qa::mask_transcript(view.transcript, mask_for(*row));
      store::qa_filter f;
      f.chat = row->id;
      json::array reviews;
      std::string totals, comments;
      for (auto const& rv : self->store_.list_records("review", f))
        if (auto v = parse_json(rv.body)) {
          if (v->is_object() && v->as_object().contains("total")) {
            if (!totals.empty()) totals += ";";
            totals += json_text(v->as_object().at("total"));
          }
          // A reviewer may quote the buyer: comments are masked like the transcript.
          if (auto* cm = v->is_object() ? v->as_object().if_contains("comment") : nullptr;
              cm && cm->is_string() && !cm->as_string().empty()) {
            if (!unmask) *cm = qa::mask_text(cm->as_string(), masking);
            if (!comments.empty()) comments += "\n";
            comments += std::string(cm->as_string());
          }
          reviews.push_back(*v);
        }
      std::string out;
      if (format == "jsonl") {
        view.transcript["reviews"] = std::move(reviews);
        view.transcript["masked"] = !unmask;
        out = json_text(view.transcript) + "\n";
      } else {
        auto const& t = view.transcript;
        auto s = [&](char const* k) {
          auto const& v = t.at(k);
          return v.is_string() ? std::string(v.as_string()) : v.is_null() ? "" : json_text(v);
        };
        // Delivered messages (with their seq), then the blocked attempts QA also reviews
        // (no seq, blocked = true).
        auto line = [&](json::object const& mo, bool blocked) {
          out += csv_field(s("id")) + "," + csv_field(s("merchant")) + "," + csv_field(s("buyer")) +
                 "," + csv_field(s("agent")) + "," + s("opened") + "," + s("closed") + "," +
                 s("rating") + "," + (blocked ? std::string() : json_text(mo.at("seq"))) + "," +
                 csv_field(std::string(mo.at("from").as_string())) + "," + json_text(mo.at("ts")) +
                 "," + csv_field(std::string(mo.at("text").as_string())) + "," +
                 csv_field(mo.contains("verdict") ? json_text(mo.at("verdict")) : "") + "," +
                 (blocked ? "true" : "false") + "," + csv_field(totals) + "," +
                 csv_field(comments) + "\n";
        };
        for (auto const& m : t.at("messages").as_array()) line(m.as_object(), false);
        if (auto const* b = t.if_contains("blocked"); b && b->is_array())
          for (auto const& m : b->as_array()) line(m.as_object(), true);
      }
      if (!sink.write(out)) return;
    }
  };
  respond(std::move(r));
}

}  // namespace kefu::app

#include "server/core/compliance/rule_pack.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#ifndef KEFU_DEFAULT_RULES_DIR
#define KEFU_DEFAULT_RULES_DIR "shared/rules"
#endif

namespace kefu::compliance {

namespace json = boost::json;

action default_action(category c) noexcept {
  switch (c) {
    case category::exaggeration:
    case category::rude:
    case category::greeting:
      return action::warn;
    default:
      return action::block;
  }
}

action rule_pack::action_for(category c) const noexcept {
  auto const& a = actions[static_cast<std::size_t>(c)];
  return a ? *a : default_action(c);
}

namespace {

// Collects the first error with the JSON path where it happened.
struct reader {
  std::string error;

  bool fail(std::string const& where, std::string const& what) {
    if (error.empty()) error = where + ": " + what;
    return false;
  }

  bool string(json::value const& v, std::string const& where, std::string& out) {
    if (auto const* s = v.if_string()) {
      out.assign(s->data(), s->size());
      return true;
    }
    return fail(where, "expected a string");
  }

  bool strings(json::value const& v, std::string const& where, std::vector<std::string>& out) {
    auto const* a = v.if_array();
    if (!a) return fail(where, "expected an array of strings");
    for (std::size_t i = 0; i < a->size(); ++i) {
      std::string s;
      if (!string((*a)[i], where + "[" + std::to_string(i) + "]", s)) return false;
      out.push_back(std::move(s));
    }
    return true;
  }

  bool cat(json::value const& v, std::string const& where, category& out) {
    std::string s;
    if (!string(v, where, s)) return false;
    auto c = parse_category(s);
    if (!c) return fail(where, "unknown category '" + s + "'");
    out = *c;
    return true;
  }

  bool act(json::value const& v, std::string const& where, action& out) {
    std::string s;
    if (!string(v, where, s)) return false;
    auto a = parse_action(s);
    if (!a) return fail(where, "unknown action '" + s + "' (allow, warn or block)");
    out = *a;
    return true;
  }

  bool actions(json::value const& v, std::string const& where,
               std::array<std::optional<action>, category_count>& out) {
    auto const* o = v.if_object();
    if (!o) return fail(where, "expected an object of category → action");
    for (auto const& kv : *o) {
      std::string const key(kv.key());
      auto c = parse_category(key);
      if (!c) return fail(where, "unknown category '" + key + "'");
      action a{};
      if (!act(kv.value(), where + "." + key, a)) return false;
      out[static_cast<std::size_t>(*c)] = a;
    }
    return true;
  }

  bool string_map(json::value const& v, std::string const& where,
                  std::map<std::string, std::vector<std::string>>& out) {
    auto const* o = v.if_object();
    if (!o) return fail(where, "expected an object of name → [strings]");
    for (auto const& kv : *o) {
      std::string const key(kv.key());
      auto& dst = out[key];
      if (!strings(kv.value(), where + "." + key, dst)) return false;
    }
    return true;
  }

  bool integer(json::value const& v, std::string const& where, int& out, int lo, int hi) {
    auto r = json::try_value_to<std::int64_t>(v);
    if (!r || *r < lo || *r > hi)
      return fail(
          where, "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    out = static_cast<int>(*r);
    return true;
  }

  bool boolean(json::value const& v, std::string const& where, bool& out) {
    if (auto const* b = v.if_bool()) {
      out = *b;
      return true;
    }
    return fail(where, "expected true or false");
  }
};

bool parse_json(std::string_view text, json::value& out, std::string& error) {
  json::error_code ec;
  json::parse_options opt;
  opt.allow_comments = true;
  opt.allow_trailing_commas = true;
  out = json::parse(text, ec, {}, opt);
  if (ec) {
    error = "not valid JSON: " + ec.message();
    return false;
  }
  return true;
}

bool read_pack(json::value const& root, rule_pack& p, reader& r) {
  auto const* o = root.if_object();
  if (!o) return r.fail("pack", "expected a JSON object");
  for (auto const& kv : *o) {
    std::string const key(kv.key());
    json::value const& v = kv.value();
    std::string const w = key;
    if (key == "version") {
      if (!r.string(v, w, p.version)) return false;
    } else if (key == "platform") {
      if (!r.string(v, w, p.platform)) return false;
    } else if (key == "extends") {
      if (v.is_string()) {
        p.extends.emplace_back(v.get_string().c_str());
      } else if (!r.strings(v, w, p.extends)) {
        return false;
      }
    } else if (key == "actions") {
      if (!r.actions(v, w, p.actions)) return false;
    } else if (key == "lexicon") {
      if (!r.string_map(v, w, p.lexicon)) return false;
    } else if (key == "cues") {
      if (!r.string_map(v, w, p.cues)) return false;
    } else if (key == "rules") {
      auto const* a = v.if_array();
      if (!a) return r.fail(w, "expected an array of rules");
      for (std::size_t i = 0; i < a->size(); ++i) {
        std::string const wi = w + "[" + std::to_string(i) + "]";
        auto const* ro = (*a)[i].if_object();
        if (!ro) return r.fail(wi, "expected an object");
        phrase_rule pr;
        bool has_cat = false;
        for (auto const& rk : *ro) {
          std::string const k(rk.key());
          if (k == "id") {
            if (!r.string(rk.value(), wi + ".id", pr.id)) return false;
          } else if (k == "category") {
            if (!r.cat(rk.value(), wi + ".category", pr.cat)) return false;
            has_cat = true;
          } else if (k == "phrases") {
            if (!r.strings(rk.value(), wi + ".phrases", pr.phrases)) return false;
          } else if (k == "suggestion") {
            if (!r.string(rk.value(), wi + ".suggestion", pr.suggestion)) return false;
          } else if (k == "excused_by") {
            if (!r.strings(rk.value(), wi + ".excused_by", pr.excused_by)) return false;
          } else if (k != "note") {
            return r.fail(wi, "unknown key '" + k + "'");
          }
        }
        if (pr.id.empty()) return r.fail(wi, "missing id");
        if (!has_cat) return r.fail(wi, "missing category");
        p.rules.push_back(std::move(pr));
      }
    } else if (key == "combos") {
      auto const* a = v.if_array();
      if (!a) return r.fail(w, "expected an array of combos");
      for (std::size_t i = 0; i < a->size(); ++i) {
        std::string const wi = w + "[" + std::to_string(i) + "]";
        auto const* co = (*a)[i].if_object();
        if (!co) return r.fail(wi, "expected an object");
        combo_rule cr;
        bool has_cat = false;
        for (auto const& ck : *co) {
          std::string const k(ck.key());
          if (k == "id") {
            if (!r.string(ck.value(), wi + ".id", cr.id)) return false;
          } else if (k == "category") {
            if (!r.cat(ck.value(), wi + ".category", cr.cat)) return false;
            has_cat = true;
          } else if (k == "max_gap") {
            if (!r.integer(ck.value(), wi + ".max_gap", cr.max_gap, 0, 16)) return false;
          } else if (k == "suggestion") {
            if (!r.string(ck.value(), wi + ".suggestion", cr.suggestion)) return false;
          } else if (k == "parts") {
            auto const* pa = ck.value().if_array();
            if (!pa || pa->size() < 2 || pa->size() > 4)
              return r.fail(wi + ".parts", "expected 2 to 4 arrays of strings");
            for (std::size_t j = 0; j < pa->size(); ++j) {
              std::vector<std::string> part;
              if (!r.strings((*pa)[j], wi + ".parts[" + std::to_string(j) + "]", part))
                return false;
              if (part.empty()) return r.fail(wi + ".parts[" + std::to_string(j) + "]", "empty");
              cr.parts.push_back(std::move(part));
            }
          } else if (k != "note") {
            return r.fail(wi, "unknown key '" + k + "'");
          }
        }
        if (cr.id.empty()) return r.fail(wi, "missing id");
        if (!has_cat) return r.fail(wi, "missing category");
        if (cr.parts.size() < 2) return r.fail(wi, "missing parts");
        if (cr.parts.front().front() == "#number")
          return r.fail(wi + ".parts[0]", "a combo cannot start with #number");
        p.combos.push_back(std::move(cr));
      }
    } else if (key == "allow") {
      if (!r.strings(v, w, p.allow)) return false;
    } else if (key == "allow_inside") {
      if (!r.strings(v, w, p.allow_inside)) return false;
    } else if (key == "negation") {
      auto const* no = v.if_object();
      if (!no) return r.fail(w, "expected an object");
      for (auto const& nk : *no) {
        std::string const k(nk.key());
        if (k == "negators") {
          if (!r.strings(nk.value(), w + ".negators", p.negation.negators)) return false;
        } else if (k == "after") {
          if (!r.strings(nk.value(), w + ".after", p.negation.after)) return false;
        } else if (k == "not_negators") {
          if (!r.strings(nk.value(), w + ".not_negators", p.negation.not_negators)) return false;
        } else if (k == "cautions") {
          if (!r.strings(nk.value(), w + ".cautions", p.negation.cautions)) return false;
        } else if (k == "cautions_before") {
          if (!r.strings(nk.value(), w + ".cautions_before", p.negation.cautions_before))
            return false;
        } else if (k == "cautions_sentence") {
          if (!r.strings(nk.value(), w + ".cautions_sentence", p.negation.cautions_sentence))
            return false;
        } else if (k == "fillers") {
          if (!r.string(nk.value(), w + ".fillers", p.negation.fillers)) return false;
        } else if (k == "max_gap") {
          if (!r.integer(nk.value(), w + ".max_gap", p.negation.max_gap, 0, 16)) return false;
        } else if (k == "categories") {
          auto const* ca = nk.value().if_array();
          if (!ca) return r.fail(w + ".categories", "expected an array of categories");
          for (std::size_t i = 0; i < ca->size(); ++i) {
            category c{};
            if (!r.cat((*ca)[i], w + ".categories[" + std::to_string(i) + "]", c)) return false;
            p.negation.categories.push_back(c);
          }
        } else if (k != "note") {
          return r.fail(w, "unknown key '" + k + "'");
        }
      }
    } else if (key == "courier_prefixes") {
      if (!r.strings(v, w, p.courier_prefixes)) return false;
    } else if (key == "tlds") {
      if (!r.strings(v, w, p.tlds)) return false;
    } else if (key == "allowed_domains") {
      if (!r.strings(v, w, p.allowed_domains)) return false;
    } else if (key == "allowed_schemes") {
      if (!r.strings(v, w, p.allowed_schemes)) return false;
    } else if (key == "official_contacts") {
      if (!r.strings(v, w, p.official_contacts)) return false;
    } else if (key == "contact_links") {
      if (!r.strings(v, w, p.contact_links)) return false;
    } else if (key == "payment_links") {
      if (!r.strings(v, w, p.payment_links)) return false;
    } else if (key == "share_codes") {
      if (!r.boolean(v, w, p.share_codes)) return false;
    } else if (key == "greeting") {
      auto const* go = v.if_object();
      if (!go) return r.fail(w, "expected an object with template and closing");
      for (auto const& gk : *go) {
        std::string const k(gk.key());
        if (k == "template") {
          if (!r.string(gk.value(), w + ".template", p.greeting_template)) return false;
        } else if (k == "closing") {
          if (!r.string(gk.value(), w + ".closing", p.closing_template)) return false;
        } else if (k != "note") {
          return r.fail(w, "unknown key '" + k + "'");
        }
      }
    } else if (key != "note" && key != "$comment") {
      return r.fail(w, "unknown key '" + key + "'");
    }
  }
  return true;
}

bool read_overrides(json::value const& root, merchant_overrides& m, reader& r) {
  auto const* o = root.if_object();
  if (!o) return r.fail("overrides", "expected a JSON object");
  for (auto const& kv : *o) {
    std::string const key(kv.key());
    json::value const& v = kv.value();
    if (key == "merchant") {
      if (!r.string(v, key, m.merchant)) return false;
    } else if (key == "version") {
      if (v.is_int64() || v.is_uint64()) {
        m.version = json::serialize(v);
      } else if (!r.string(v, key, m.version)) {
        return false;
      }
    } else if (key == "actions") {
      if (!r.actions(v, key, m.actions)) return false;
    } else if (key == "greeting_strict") {
      bool strict = false;
      if (!r.boolean(v, key, strict)) return false;
      if (strict) m.actions[static_cast<std::size_t>(category::greeting)] = action::block;
    } else if (key == "phrases") {
      auto const* po = v.if_object();
      if (!po) return r.fail(key, "expected an object of category → [phrases]");
      for (auto const& pk : *po) {
        std::string const k(pk.key());
        auto c = parse_category(k);
        if (!c || *c == category::greeting)
          return r.fail(key, "unknown phrase category '" + k + "'");
        if (!r.strings(pk.value(), key + "." + k, m.phrases[*c])) return false;
      }
    } else if (key == "allow") {
      if (v.is_array()) {
        if (!r.strings(v, key, m.allow_phrases)) return false;
        continue;
      }
      auto const* ao = v.if_object();
      if (!ao) return r.fail(key, "expected {\"phrases\": [...], \"domains\": [...]}");
      for (auto const& ak : *ao) {
        std::string const k(ak.key());
        if (k == "phrases") {
          if (!r.strings(ak.value(), "allow.phrases", m.allow_phrases)) return false;
        } else if (k == "domains") {
          if (!r.strings(ak.value(), "allow.domains", m.allow_domains)) return false;
        } else {
          return r.fail(key, "unknown key '" + k + "' (phrases or domains)");
        }
      }
    } else if (key == "allowed_domains") {
      if (!r.strings(v, key, m.allow_domains)) return false;
    } else if (key == "official_contacts") {
      if (v.is_array()) {
        if (!r.strings(v, key, m.official_contacts)) return false;
        continue;
      }
      auto const* co = v.if_object();
      if (!co) return r.fail(key, "expected an array of strings or an object of arrays");
      // Grouped by kind ({"phones": [...], "enterprise_qq": "800012345"}): every value is a
      // contact; the kind is for people, numbers and addresses speak for themselves.
      for (auto const& ck : *co) {
        std::string const k(ck.key());
        if (ck.value().is_string()) {
          m.official_contacts.emplace_back(ck.value().get_string());
        } else if (!r.strings(ck.value(), key + "." + k, m.official_contacts)) {
          return false;
        }
      }
    } else if (key == "greeting") {
      if (!r.string(v, key, m.greeting)) return false;
    } else if (key == "greeting_mode") {
      if (!r.string(v, key, m.greeting_mode)) return false;
      if (m.greeting_mode != "auto" && m.greeting_mode != "agent")
        return r.fail(key, "expected \"auto\" or \"agent\"");
    } else if (key != "note" && key != "$comment") {
      return r.fail(key, "unknown key '" + key + "'");
    }
  }
  return true;
}

template <class T>
void append(std::vector<T>& dst, std::vector<T> const& src) {
  dst.insert(dst.end(), src.begin(), src.end());
}

template <class R>
void merge_by_id(std::vector<R>& dst, std::vector<R> const& src) {
  for (auto const& r : src) {
    auto it = std::find_if(dst.begin(), dst.end(), [&](R const& x) { return x.id == r.id; });
    if (it != dst.end()) {
      *it = r;
    } else {
      dst.push_back(r);
    }
  }
}

bool read_file(std::filesystem::path const& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

outcome<rule_pack> load_file(std::filesystem::path const& dir, std::string const& name, int depth) {
  outcome<rule_pack> res;
  if (depth > 4) {
    res.error = name + ": \"extends\" nested too deeply";
    return res;
  }
  if (name.find('/') != std::string::npos || name.find('\\') != std::string::npos ||
      name.find("..") != std::string::npos) {
    res.error = name + ": extends names a file in the same directory only";
    return res;
  }
  std::string text;
  if (!read_file(dir / name, text)) {
    res.error = (dir / name).string() + ": cannot read rule pack";
    return res;
  }
  auto top = parse_rule_pack(text);
  if (!top) {
    res.error = name + ": " + top.error;
    return res;
  }
  rule_pack merged;
  for (auto const& base_name : top->extends) {
    auto base = load_file(dir, base_name, depth + 1);
    if (!base) {
      res.error = base.error;
      return res;
    }
    merged = merge_packs(std::move(merged), *base);
  }
  res.value = merge_packs(std::move(merged), *top);
  return res;
}

}  // namespace

outcome<rule_pack> parse_rule_pack(std::string_view json_text) {
  outcome<rule_pack> res;
  json::value root;
  if (!parse_json(json_text, root, res.error)) return res;
  rule_pack p;
  reader r;
  if (!read_pack(root, p, r)) {
    res.error = r.error;
    return res;
  }
  res.value = std::move(p);
  return res;
}

rule_pack merge_packs(rule_pack base, rule_pack const& top) {
  if (!top.version.empty()) base.version = top.version;
  if (!top.platform.empty()) base.platform = top.platform;
  for (std::size_t i = 0; i < top.actions.size(); ++i)
    if (top.actions[i]) base.actions[i] = top.actions[i];
  for (auto const& [k, v] : top.lexicon) append(base.lexicon[k], v);
  for (auto const& [k, v] : top.cues) append(base.cues[k], v);
  merge_by_id(base.rules, top.rules);
  merge_by_id(base.combos, top.combos);
  append(base.allow, top.allow);
  append(base.allow_inside, top.allow_inside);
  append(base.negation.negators, top.negation.negators);
  append(base.negation.after, top.negation.after);
  append(base.negation.not_negators, top.negation.not_negators);
  append(base.negation.cautions, top.negation.cautions);
  append(base.negation.cautions_before, top.negation.cautions_before);
  append(base.negation.cautions_sentence, top.negation.cautions_sentence);
  base.negation.fillers += top.negation.fillers;
  if (!top.negation.categories.empty()) base.negation.categories = top.negation.categories;
  if (top.negation.max_gap != negation_rule{}.max_gap) base.negation.max_gap = top.negation.max_gap;
  append(base.courier_prefixes, top.courier_prefixes);
  append(base.tlds, top.tlds);
  append(base.allowed_domains, top.allowed_domains);
  append(base.allowed_schemes, top.allowed_schemes);
  append(base.official_contacts, top.official_contacts);
  append(base.contact_links, top.contact_links);
  append(base.payment_links, top.payment_links);
  base.share_codes = top.share_codes;
  if (!top.greeting_template.empty()) base.greeting_template = top.greeting_template;
  if (!top.closing_template.empty()) base.closing_template = top.closing_template;
  base.extends.clear();
  return base;
}

outcome<rule_pack> load_rule_pack(std::filesystem::path const& dir, std::string_view platform) {
  std::string const name(platform);
  outcome<rule_pack> res;
  bool ok_name = !name.empty();
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      ok_name = false;
  if (!ok_name) {
    res.error = "unknown platform '" + name + "'";
    return res;
  }
  res = load_file(dir, name + ".json", 0);
  if (res && res->version.empty()) {
    res.value.reset();
    res.error = name + ".json: missing \"version\"";
  }
  return res;
}

std::filesystem::path default_rules_dir() {
  if (char const* env = std::getenv("KEFU_RULES_DIR"); env != nullptr && *env != '\0')
    return std::filesystem::path(env);
  return std::filesystem::path(KEFU_DEFAULT_RULES_DIR);
}

outcome<merchant_overrides> parse_overrides(std::string_view json_text) {
  outcome<merchant_overrides> res;
  json::value root;
  if (!parse_json(json_text, root, res.error)) return res;
  merchant_overrides m;
  reader r;
  if (!read_overrides(root, m, r)) {
    res.error = r.error;
    return res;
  }
  res.value = std::move(m);
  return res;
}

outcome<merchant_overrides> parse_merchant_settings(std::string_view settings_json,
                                                    std::string_view merchant_id) {
  outcome<merchant_overrides> res;
  json::value root;
  if (!parse_json(settings_json, root, res.error)) return res;
  auto const* o = root.if_object();
  if (!o) {
    res.error = "merchant settings: expected a JSON object";
    return res;
  }
  json::object ov;
  ov["merchant"] = json::string(merchant_id);
  if (auto const* c = o->if_contains("compliance"); c && !c->is_null()) {
    auto const* co = c->if_object();
    if (!co) {
      res.error = "compliance: expected an object";
      return res;
    }
    for (auto const& kv : *co) ov[kv.key()] = kv.value();
  }
  for (auto const* key : {"official_contacts", "greeting", "greeting_mode"})
    if (auto const* v = o->if_contains(key); v && !v->is_null()) ov[key] = *v;
  merchant_overrides m;
  reader r;
  if (!read_overrides(ov, m, r)) {
    res.error = r.error;
    return res;
  }
  res.value = std::move(m);
  return res;
}

namespace {
json::object actions_json(std::array<std::optional<action>, category_count> const& a) {
  json::object o;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i]) o[to_string(static_cast<category>(i))] = to_string(*a[i]);
  return o;
}
}  // namespace

void tag_invoke(json::value_from_tag, json::value& jv, rule_pack const& p) {
  json::object o;
  o["version"] = p.version;
  o["platform"] = p.platform;
  o["actions"] = actions_json(p.actions);
  o["lexicon"] = json::value_from(p.lexicon);
  json::array rules;
  for (auto const& r : p.rules) {
    json::object ro{{"id", r.id}, {"category", to_string(r.cat)}};
    ro["phrases"] = json::value_from(r.phrases);
    if (!r.suggestion.empty()) ro["suggestion"] = r.suggestion;
    if (!r.excused_by.empty()) ro["excused_by"] = json::value_from(r.excused_by);
    rules.push_back(std::move(ro));
  }
  o["rules"] = std::move(rules);
  json::array combos;
  for (auto const& c : p.combos) {
    json::object co{{"id", c.id}, {"category", to_string(c.cat)}, {"max_gap", c.max_gap}};
    co["parts"] = json::value_from(c.parts);
    if (!c.suggestion.empty()) co["suggestion"] = c.suggestion;
    combos.push_back(std::move(co));
  }
  o["combos"] = std::move(combos);
  o["allow"] = json::value_from(p.allow);
  o["allow_inside"] = json::value_from(p.allow_inside);
  json::array ncats;
  for (auto c : p.negation.categories) ncats.emplace_back(to_string(c));
  o["negation"] =
      json::object{{"negators", json::value_from(p.negation.negators)},
                   {"after", json::value_from(p.negation.after)},
                   {"not_negators", json::value_from(p.negation.not_negators)},
                   {"cautions", json::value_from(p.negation.cautions)},
                   {"cautions_before", json::value_from(p.negation.cautions_before)},
                   {"cautions_sentence", json::value_from(p.negation.cautions_sentence)},
                   {"fillers", p.negation.fillers},
                   {"max_gap", p.negation.max_gap},
                   {"categories", std::move(ncats)}};
  o["cues"] = json::value_from(p.cues);
  o["courier_prefixes"] = json::value_from(p.courier_prefixes);
  o["tlds"] = json::value_from(p.tlds);
  o["allowed_domains"] = json::value_from(p.allowed_domains);
  o["allowed_schemes"] = json::value_from(p.allowed_schemes);
  if (!p.official_contacts.empty()) o["official_contacts"] = json::value_from(p.official_contacts);
  if (!p.contact_links.empty()) o["contact_links"] = json::value_from(p.contact_links);
  if (!p.payment_links.empty()) o["payment_links"] = json::value_from(p.payment_links);
  o["share_codes"] = p.share_codes;
  o["greeting"] = json::object{{"template", p.greeting_template}, {"closing", p.closing_template}};
  jv = std::move(o);
}

void tag_invoke(json::value_from_tag, json::value& jv, merchant_overrides const& m) {
  json::object o;
  o["merchant"] = m.merchant;
  o["version"] = m.version;
  o["actions"] = actions_json(m.actions);
  json::object ph;
  for (auto const& [c, v] : m.phrases) ph[to_string(c)] = json::value_from(v);
  o["phrases"] = std::move(ph);
  o["allow"] = json::object{{"phrases", json::value_from(m.allow_phrases)},
                            {"domains", json::value_from(m.allow_domains)}};
  o["official_contacts"] = json::value_from(m.official_contacts);
  if (!m.greeting.empty()) o["greeting"] = m.greeting;
  if (!m.greeting_mode.empty()) o["greeting_mode"] = m.greeting_mode;
  jv = std::move(o);
}

json::result<rule_pack> tag_invoke(json::try_value_to_tag<rule_pack>, json::value const& jv) {
  rule_pack p;
  reader r;
  if (!read_pack(jv, p, r)) return json::make_error_code(json::error::syntax);
  return p;
}

json::result<merchant_overrides> tag_invoke(json::try_value_to_tag<merchant_overrides>,
                                            json::value const& jv) {
  merchant_overrides m;
  reader r;
  if (!read_overrides(jv, m, r)) return json::make_error_code(json::error::syntax);
  return m;
}

}  // namespace kefu::compliance

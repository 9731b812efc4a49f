#include "server/core/routing/router.hpp"

#include <algorithm>
#include <tuple>

namespace kefu::routing {

char const* to_string(route_error e) {
  switch (e) {
    case route_error::none:
      return "none";
    case route_error::not_found:
      return "not_found";
    case route_error::forbidden:
      return "forbidden";
    case route_error::capacity:
      return "capacity";
    case route_error::unavailable:
      return "unavailable";
    case route_error::same_agent:
      return "bad_request";
  }
  return "unknown";
}

namespace {
bool lists_merchant(std::vector<std::string> const& merchants, std::string const& m) {
  for (auto const& x : merchants)
    if (x == "*" || x == m) return true;
  return false;
}
}  // namespace

bool router::serves(std::string const& agent, std::string const& merchant) const {
  auto it = agents_.find(agent);
  return it != agents_.end() && lists_merchant(it->second.profile.merchants, merchant);
}

bool router::available(agent_state const& a, std::string const& merchant) const {
  return a.connected && a.status == agent_status::online &&
         static_cast<int>(a.chats.size()) < a.profile.capacity &&
         lists_merchant(a.profile.merchants, merchant);
}

commands router::upsert_agent(agent_profile const& p, ms_t now) {
  commands out;
  auto& a = agents_[p.id];
  a.profile = p;
  // More room or a new merchant may let this agent take waiting chats.
  fill(a, now, out);
  return out;
}

commands router::agent_connected(std::string const& id, ms_t now) {
  commands out;
  auto it = agents_.find(id);
  if (it == agents_.end()) return out;
  auto& a = it->second;
  if (!a.grace_until) a.status = agent_status::away;
  a.connected = true;
  a.grace_until.reset();
  fill(a, now, out);
  return out;
}

commands router::agent_disconnected(std::string const& id, ms_t now) {
  commands out;
  auto it = agents_.find(id);
  if (it == agents_.end() || !it->second.connected) return out;
  auto& a = it->second;
  a.connected = false;
  // Within the grace period a reconnect keeps the status and the chats, also
  // for an agent who holds none right now (a page reload between chats).
  a.grace_until = now + grace_ms_;
  return out;
}

commands router::set_status(std::string const& id, agent_status s, ms_t now) {
  commands out;
  auto it = agents_.find(id);
  if (it == agents_.end()) return out;
  it->second.status = s;
  if (s == agent_status::online) fill(it->second, now, out);
  return out;
}

void router::restore_online(std::string const& id, ms_t now) {
  auto it = agents_.find(id);
  if (it == agents_.end()) return;
  auto& a = it->second;
  a.status = agent_status::online;
  if (!a.connected && !a.grace_until) a.grace_until = now + grace_ms_;
}

router::agent_state* router::pick_agent(std::string const& merchant, std::string const& buyer,
                                        std::string const& exclude) {
  auto sticky = last_agent_.find({merchant, buyer});
  if (sticky != last_agent_.end() && sticky->second != exclude) {
    auto it = agents_.find(sticky->second);
    if (it != agents_.end() && available(it->second, merchant)) return &it->second;
  }
  agent_state* best = nullptr;
  for (auto& [id, a] : agents_) {
    if (id == exclude || !available(a, merchant)) continue;
    if (!best || std::tuple(a.chats.size(), a.last_assigned, a.assign_order) <
                     std::tuple(best->chats.size(), best->last_assigned, best->assign_order))
      best = &a;
  }
  return best;
}

void router::assign(std::string const& chat, agent_state& a, std::string const& reason, ms_t now,
                    commands& out) {
  auto& c = chats_.at(chat);
  std::string previous = c.agent;
  c.agent = a.profile.id;
  a.chats.insert(chat);
  a.last_assigned = now;
  a.assign_order = ++assign_counter_;
  last_agent_[{c.merchant, c.buyer}] = a.profile.id;
  out.push_back(assigned{chat, a.profile.id, previous, reason});
}

void router::enqueue(std::string const& chat, bool front, commands& out) {
  auto& c = chats_.at(chat);
  // Re-routed chats go ahead of every arrival and, among themselves, in the order they were
  // opened, whenever their agents' grace ran out (first come, first served).
  std::int64_t const key =
      front ? first_in_line + static_cast<std::int64_t>(c.opened) : next_back_++;
  c.queue_key = key;
  c.notified_position = 0;
  queues_[c.merchant][key] = chat;
  notify_positions(c.merchant, out);
}

void router::dequeue(std::string const& chat) {
  auto& c = chats_.at(chat);
  if (!c.queue_key) return;
  auto q = queues_.find(c.merchant);
  if (q != queues_.end()) {
    q->second.erase(*c.queue_key);
    if (q->second.empty()) queues_.erase(q);
  }
  c.queue_key.reset();
  c.notified_position = 0;
}

void router::notify_positions(std::string const& merchant, commands& out) {
  auto q = queues_.find(merchant);
  if (q == queues_.end()) return;
  int pos = 0;
  for (auto& [key, chat] : q->second) {
    ++pos;
    auto& c = chats_.at(chat);
    if (c.notified_position != pos) {
      c.notified_position = pos;
      out.push_back(queued{chat, pos});
    }
  }
}

// Gives the agent the oldest waiting chats across its merchants while it has room.
void router::fill(agent_state& a, ms_t now, commands& out) {
  std::set<std::string> touched;
  while (a.connected && a.status == agent_status::online &&
         static_cast<int>(a.chats.size()) < a.profile.capacity) {
    std::string const* oldest_merchant = nullptr;
    std::int64_t oldest_key = 0;
    for (auto& [merchant, q] : queues_) {
      if (q.empty() || !lists_merchant(a.profile.merchants, merchant)) continue;
      auto key = q.begin()->first;
      if (!oldest_merchant || key < oldest_key) {
        oldest_merchant = &merchant;
        oldest_key = key;
      }
    }
    if (!oldest_merchant) break;
    std::string merchant = *oldest_merchant;
    std::string chat = queues_[merchant].begin()->second;
    dequeue(chat);
    touched.insert(merchant);
    assign(chat, a, "queue", now, out);
  }
  for (auto const& m : touched) notify_positions(m, out);
}

commands router::open_chat(std::string const& chat, std::string const& merchant,
                           std::string const& buyer, ms_t now) {
  commands out;
  if (chats_.count(chat)) return out;
  chats_[chat] = chat_state{merchant, buyer, {}, std::nullopt, 0, ++open_counter_};
  // Someone already waiting for this merchant goes first.
  auto q = queues_.find(merchant);
  if (q == queues_.end() || q->second.empty()) {
    if (auto* a = pick_agent(merchant, buyer, {})) {
      assign(chat, *a, "route", now, out);
      return out;
    }
  }
  enqueue(chat, false, out);
  return out;
}

commands router::restore_chat(std::string const& chat, std::string const& merchant,
                              std::string const& buyer, std::string const& agent, ms_t now) {
  commands out;
  if (chats_.count(chat)) return out;
  chats_[chat] = chat_state{merchant, buyer, {}, std::nullopt, 0, ++open_counter_};
  auto it = agents_.find(agent);
  if (agent.empty() || it == agents_.end()) {
    enqueue(chat, false, out);
    return out;
  }
  auto& a = it->second;
  chats_[chat].agent = agent;
  a.chats.insert(chat);
  last_agent_[{merchant, buyer}] = agent;
  if (!a.connected && !a.grace_until) a.grace_until = now + grace_ms_;
  return out;
}

commands router::close_chat(std::string const& chat, ms_t now) {
  commands out;
  auto it = chats_.find(chat);
  if (it == chats_.end()) return out;
  std::string merchant = it->second.merchant;
  std::string holder = it->second.agent;
  if (it->second.queue_key) {
    dequeue(chat);
    chats_.erase(it);
    notify_positions(merchant, out);
    return out;
  }
  chats_.erase(it);
  if (!holder.empty()) {
    auto& a = agents_.at(holder);
    a.chats.erase(chat);
    out.push_back(unassigned{chat, holder, "closed"});
    fill(a, now, out);
  }
  return out;
}

void router::remember_agent(std::string const& merchant, std::string const& buyer,
                            std::string const& agent) {
  if (!agent.empty()) last_agent_[{merchant, buyer}] = agent;
}

route_error router::transfer(std::string const& chat, std::string const& by, std::string const& to,
                             ms_t now, commands& out) {
  auto it = chats_.find(chat);
  if (it == chats_.end()) return route_error::not_found;
  auto& c = it->second;
  if (c.agent != by) return route_error::forbidden;
  auto target = agents_.find(to);
  if (target == agents_.end()) return route_error::not_found;
  auto& t = target->second;
  if (!lists_merchant(t.profile.merchants, c.merchant)) return route_error::forbidden;
  if (to == by) return route_error::same_agent;
  if (!t.connected || t.status != agent_status::online) return route_error::unavailable;
  if (static_cast<int>(t.chats.size()) >= t.profile.capacity) return route_error::capacity;
  auto& from = agents_.at(by);
  from.chats.erase(chat);
  out.push_back(unassigned{chat, by, "transfer"});
  assign(chat, t, "transfer", now, out);
  fill(from, now, out);
  return route_error::none;
}

void router::expire(agent_state& a, commands& out,
                    std::vector<std::pair<std::string, std::string>>& freed) {
  for (auto const& chat : a.chats) {
    out.push_back(unassigned{chat, a.profile.id, "grace"});
    freed.emplace_back(chat, a.profile.id);
  }
  a.chats.clear();
  a.grace_until.reset();
  a.status = agent_status::away;
}

commands router::tick(ms_t now) {
  commands out;
  std::vector<std::pair<std::string, std::string>> freed;  // chat, the agent it had
  for (auto& [id, a] : agents_)
    if (a.grace_until && *a.grace_until <= now) expire(a, out, freed);
  // However many agents' grace ran out at once, the longest-waiting buyer is offered a free
  // seat first, and those left go first in line in the order they were opened.
  std::sort(freed.begin(), freed.end(), [&](auto const& x, auto const& y) {
    return chats_.at(x.first).opened < chats_.at(y.first).opened;
  });
  std::vector<std::string> waiting;
  for (auto const& [chat, had] : freed) {
    auto& c = chats_.at(chat);
    if (auto* other = pick_agent(c.merchant, c.buyer, had)) {
      assign(chat, *other, "grace", now, out);
    } else {
      c.agent.clear();
      waiting.push_back(chat);
    }
  }
  for (auto const& chat : waiting) enqueue(chat, true, out);
  return out;
}

std::optional<ms_t> router::next_deadline() const {
  std::optional<ms_t> best;
  for (auto const& [id, a] : agents_)
    if (a.grace_until && (!best || *a.grace_until < *best)) best = a.grace_until;
  return best;
}

std::optional<std::string> router::holder(std::string const& chat) const {
  auto it = chats_.find(chat);
  if (it == chats_.end() || it->second.agent.empty()) return std::nullopt;
  return it->second.agent;
}

std::optional<std::string> router::chat_merchant(std::string const& chat) const {
  auto it = chats_.find(chat);
  if (it == chats_.end()) return std::nullopt;
  return it->second.merchant;
}

std::optional<int> router::queue_position(std::string const& chat) const {
  auto it = chats_.find(chat);
  if (it == chats_.end() || !it->second.queue_key) return std::nullopt;
  auto const& q = queues_.at(it->second.merchant);
  int pos = 1;
  for (auto const& [key, c] : q) {
    if (key == *it->second.queue_key) return pos;
    ++pos;
  }
  return std::nullopt;
}

std::size_t router::queue_length(std::string const& merchant) const {
  auto it = queues_.find(merchant);
  return it == queues_.end() ? 0 : it->second.size();
}

std::map<std::string, std::size_t> router::queue_lengths() const {
  std::map<std::string, std::size_t> out;
  for (auto const& [m, q] : queues_) out[m] = q.size();
  return out;
}

std::optional<agent_view> router::agent(std::string const& id) const {
  auto it = agents_.find(id);
  if (it == agents_.end()) return std::nullopt;
  auto const& a = it->second;
  return agent_view{
      id,      a.status,       a.connected, a.grace_until, a.profile.capacity, a.profile.merchants,
      a.chats, a.last_assigned};
}

bool router::is_online(std::string const& id) const {
  auto it = agents_.find(id);
  return it != agents_.end() && it->second.connected && it->second.status == agent_status::online;
}

std::vector<agent_view> router::agents() const {
  std::vector<agent_view> out;
  for (auto const& [id, a] : agents_) out.push_back(*agent(id));
  return out;
}

}  // namespace kefu::routing

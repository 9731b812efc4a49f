// kefu-audit: checks the audit log's hash chain.
//
//   kefu-audit verify --db URL
//
// Exit 0 when every entry follows from the one before; 1 naming the first
// broken entry; 2 on bad arguments or an unreadable database.

#include <iostream>
#include <string>
#include <vector>

#include "server/core/qa/audit.hpp"
#include "server/store/store.hpp"

namespace {
char const* const usage = "usage: kefu-audit verify --db URL\n";
}

int main(int argc, char** argv) {
  std::string cmd, db;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      return 0;
    } else if (a == "--db" && i + 1 < argc) {
      db = argv[++i];
    } else if (cmd.empty() && a[0] != '-') {
      cmd = a;
    } else {
      std::cerr << usage;
      return 2;
    }
  }
  if (cmd != "verify" || db.empty()) {
    std::cerr << usage;
    return 2;
  }
  try {
    auto st = kefu::store::store::open_existing(db, 1);
    // The head first: rows a running server appends meanwhile lie past it and are left out.
    std::optional<kefu::qa::chain_head> head;
    if (auto h = st->audit_head()) head = kefu::qa::chain_head{h->first, h->second};
    std::vector<std::pair<kefu::qa::audit_entry, std::string>> entries;
    st->scan_audit(1, 0, [&](kefu::store::audit_row const& r) {
      if (head && r.seq > head->seq) return;
      entries.push_back({{r.seq, r.at, r.actor, r.action, r.target, r.detail_json}, r.hash});
    });
    st->stop_writer();
    auto res = kefu::qa::verify_chain(entries, head);
    if (!res.ok) {
      std::cout << "broken at entry " << res.first_broken_seq.value_or(0) << ": " << res.reason
                << "\n";
      return 1;
    }
    std::cout << "ok: " << entries.size() << " entries\n";
    return 0;
  } catch (std::exception const& e) {
    std::cerr << "kefu-audit: " << e.what() << "\n";
    return 2;
  }
}

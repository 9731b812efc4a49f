#include "server/core/qa/audit.hpp"

#define BOOST_TEST_MODULE qa_audit
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

using namespace kefu::qa;
namespace json = boost::json;

namespace {

using chain = std::vector<std::pair<audit_entry, std::string>>;

audit_entry entry(std::int64_t seq, std::string actor, std::string action, std::string target) {
  return {seq,
          1'714'521'600'000 + seq * 1000,
          std::move(actor),
          std::move(action),
          std::move(target),
          R"({"ip":"10.0.0.1"})"};
}

// Links entries the way the store appends them.
chain link(std::vector<audit_entry> entries) {
  chain c;
  std::string prev = genesis_hash;
  for (auto& e : entries) {
    std::string h = entry_hash(prev, e);
    prev = h;
    c.emplace_back(std::move(e), std::move(h));
  }
  return c;
}

chain five() {
  return link({entry(1, "qa1", "transcript.view", "c1"), entry(2, "qa1", "export", "m1"),
               entry(3, "admin", "unmask", "c1"), entry(4, "qa2", "transcript.view", "c9"),
               entry(5, "qa2", "sample.draw", "s1")});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sha256_vectors)

BOOST_AUTO_TEST_CASE(standard_vectors) {
  BOOST_TEST(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(sha256_hex("abc") ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  BOOST_TEST(
      sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklm"
                 "nopqklmnopqrlmnopqrsmnopqrstnopqrstu") ==
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

BOOST_AUTO_TEST_CASE(one_million_a_in_uneven_pieces) {
  sha256 h;
  const std::string piece(997, 'a');
  std::size_t left = 1'000'000;
  while (left > 0) {
    const std::size_t n = std::min(left, piece.size());
    h.update(std::string_view(piece).substr(0, n));
    left -= n;
  }
  BOOST_TEST(to_hex(h.finish()) ==
             "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

BOOST_AUTO_TEST_CASE(padding_boundaries) {
  // Lengths around the 56- and 64-byte edges of the padding.
  const std::vector<std::pair<std::size_t, std::string>> cases{
      {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
      {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
      {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"}};
  for (const auto& [n, hex] : cases) {
    const std::string s(n, 'a');
    BOOST_TEST(sha256_hex(s) == hex, "length " << n);
    // Byte by byte gives the same digest.
    sha256 h;
    for (char c : s) h.update(std::string_view(&c, 1));
    BOOST_TEST(to_hex(h.finish()) == hex, "length " << n << " byte by byte");
  }
}

BOOST_AUTO_TEST_CASE(utf8_bytes) {
  BOOST_TEST(sha256_hex("客服") ==
             "eae0efe236c3fe680dcf0e1b1708d0caedecfe6532c8080d4b001c0694477229");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(entries)

BOOST_AUTO_TEST_CASE(canonical_form) {
  const audit_entry e{7, 1000, "qa1", "unmask", "c1", R"({"why":"客诉"})"};
  BOOST_TEST(canonical_entry(genesis_hash, e) ==
             "kefu-audit/1\nprev:" + genesis_hash +
                 "\nseq:7\nat:1000\nactor:3:qa1\naction:6:unmask\ntarget:2:c1\n"
                 "detail:16:{\"why\":\"客诉\"}\n");
  BOOST_TEST(entry_hash(genesis_hash, e) == sha256_hex(canonical_entry(genesis_hash, e)));
  BOOST_TEST(genesis_hash == std::string(64, '0'));
}

BOOST_AUTO_TEST_CASE(every_field_counts) {
  const audit_entry base{1, 1000, "qa1", "export", "m1", "{}"};
  const std::string h = entry_hash(genesis_hash, base);
  BOOST_TEST(h.size() == 64u);
  auto e = base;
  e.seq = 2;
  BOOST_TEST(entry_hash(genesis_hash, e) != h);
  e = base;
  e.at = 1001;
  BOOST_TEST(entry_hash(genesis_hash, e) != h);
  e = base;
  e.actor = "qa2";
  BOOST_TEST(entry_hash(genesis_hash, e) != h);
  e = base;
  e.detail_json = "{ }";
  BOOST_TEST(entry_hash(genesis_hash, e) != h);
  BOOST_TEST(entry_hash(std::string(63, '0') + "1", base) != h);
  // Moving text between fields changes the hash: lengths are part of it.
  const audit_entry a{1, 1, "ab", "c", "", ""};
  const audit_entry b{1, 1, "a", "bc", "", ""};
  BOOST_TEST(entry_hash(genesis_hash, a) != entry_hash(genesis_hash, b));
}

BOOST_AUTO_TEST_CASE(as_json) {
  const json::value v = json::value_from(entry(3, "admin", "unmask", "c1"));
  BOOST_TEST(v.at("seq").as_int64() == 3);
  BOOST_TEST(v.at("actor").as_string() == "admin");
  BOOST_TEST(v.at("detail").at("ip").as_string() == "10.0.0.1");
  audit_entry odd{1, 2, "a", "b", "c", "not json"};
  BOOST_TEST(json::value_from(odd).at("detail").as_string() == "not json");

  const json::value ok = json::value_from(verify_result{});
  BOOST_TEST(ok.at("ok").as_bool());
  BOOST_TEST(!ok.as_object().contains("first_broken_seq"));
  const json::value bad = json::value_from(verify_result{false, 4, "gap"});
  BOOST_TEST(bad.at("first_broken_seq").as_int64() == 4);
  BOOST_TEST(bad.at("reason").as_string() == "gap");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(chains)

BOOST_AUTO_TEST_CASE(an_intact_chain_verifies) {
  const auto r = verify_chain(five());
  BOOST_TEST(r.ok);
  BOOST_TEST(!r.first_broken_seq);
  BOOST_TEST(r.reason.empty());
  BOOST_TEST(verify_chain({}).ok);
}

BOOST_AUTO_TEST_CASE(an_edited_row) {
  auto c = five();
  c[2].first.actor = "qa1";  // who unmasked c1 is rewritten
  const auto r = verify_chain(c);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.first_broken_seq.value_or(-1) == 3);
  BOOST_TEST(r.reason.find("entry 3") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_edited_row_with_its_hash_rewritten) {
  auto c = five();
  c[2].first.target = "c2";
  c[2].second = entry_hash(c[1].second, c[2].first);
  // The row itself now checks out; its successor no longer links to it.
  const auto r = verify_chain(c);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.first_broken_seq.value_or(-1) == 4);
}

BOOST_AUTO_TEST_CASE(a_deleted_row) {
  auto c = five();
  c.erase(c.begin() + 2);
  const auto r = verify_chain(c);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.first_broken_seq.value_or(-1) == 4);
  BOOST_TEST(r.reason.find("missing") != std::string::npos);
  BOOST_TEST(r.reason.find("3..3") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_deleted_row_with_seqs_renumbered) {
  // Deleting 3 and renumbering 4 and 5 closes the gap but not the chain.
  auto c = five();
  c.erase(c.begin() + 2);
  c[2].first.seq = 3;
  c[3].first.seq = 4;
  const auto r = verify_chain(c);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.first_broken_seq.value_or(-1) == 3);
}

BOOST_AUTO_TEST_CASE(a_deleted_first_row) {
  auto c = five();
  c.erase(c.begin());
  const auto r = verify_chain(c);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.first_broken_seq.value_or(-1) == 2);
  // A log pruned on purpose verifies from the last hash before the cut.
  const auto full = five();
  BOOST_TEST(verify_chain(c, full[0].second).ok);
}

BOOST_AUTO_TEST_CASE(rows_cut_from_the_end_against_the_head) {
  const auto full = five();
  const chain_head head{5, full[4].second};
  BOOST_TEST(verify_chain(full, head).ok);
  BOOST_TEST(verify_chain(full, std::nullopt).ok);
  // Cutting the newest two leaves a chain that verifies on its own, but not against its head.
  auto cut = full;
  cut.resize(3);
  BOOST_TEST(verify_chain(cut).ok);
  const auto r = verify_chain(cut, head);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.first_broken_seq.value_or(-1) == 4);
  BOOST_TEST(r.reason.find("4..5") != std::string::npos);
  // Everything deleted: the first entry is the one missing.
  BOOST_TEST(verify_chain({}, head).first_broken_seq.value_or(-1) == 1);
  // The newest row replaced by another that links properly: not the one the server wrote.
  auto swapped = full;
  swapped[4].first.detail_json = R"({"forged":true})";
  swapped[4].second = entry_hash(full[3].second, swapped[4].first);
  BOOST_TEST(verify_chain(swapped).ok);
  const auto s = verify_chain(swapped, head);
  BOOST_TEST(!s.ok);
  BOOST_TEST(s.first_broken_seq.value_or(-1) == 5);
}

BOOST_AUTO_TEST_CASE(reordered_rows) {
  auto c = five();
  std::swap(c[1], c[2]);  // read back as 1, 3, 2, 4, 5
  auto r = verify_chain(c);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.first_broken_seq.value_or(-1) == 3);
  BOOST_TEST(r.reason.find("out of order") != std::string::npos);

  // Moved to the end: 1, 2, 4, 5, 3.
  c = five();
  std::rotate(c.begin() + 2, c.begin() + 3, c.end());
  r = verify_chain(c);
  BOOST_TEST(r.first_broken_seq.value_or(-1) == 4);
  BOOST_TEST(r.reason.find("out of order") != std::string::npos);

  // Swapping the contents but keeping the seqs in place.
  c = five();
  std::swap(c[1].first.actor, c[2].first.actor);
  std::swap(c[1].first.action, c[2].first.action);
  std::swap(c[1].first.target, c[2].first.target);
  std::swap(c[1].second, c[2].second);
  r = verify_chain(c);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.first_broken_seq.value_or(-1) == 2);
}

BOOST_AUTO_TEST_CASE(a_forged_hash) {
  auto c = five();
  c[4].second = std::string(64, 'f');
  const auto r = verify_chain(c);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.first_broken_seq.value_or(-1) == 5);
  c = five();
  c[0].second[0] = c[0].second[0] == 'a' ? 'b' : 'a';
  BOOST_TEST(verify_chain(c).first_broken_seq.value_or(-1) == 1);
}

BOOST_AUTO_TEST_SUITE_END()

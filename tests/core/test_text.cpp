#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/model.hpp"
#include "core/text.hpp"

using mw::core::Membership;
using mw::core::RawStatus;
using mw::core::Text;

TEST_CASE("equal texts share one entry, and it is freed with its last copy") {
  const std::size_t before = Text::pool_size();
  {
    const Text a = std::string("text-shared-") + "by-two";
    const Text b("text-shared-by-two");
    CHECK(a == b);
    CHECK(a.view().data() == b.view().data());
    CHECK(Text::pool_size() == before + 1);
    Text c = a;
    Text d = std::move(c);
    CHECK(d == "text-shared-by-two");
    CHECK(c.empty());  // NOLINT(bugprone-use-after-move): a moved-from Text is ""
    CHECK(Text::pool_size() == before + 1);
  }
  CHECK(Text::pool_size() == before);
}

TEST_CASE("Text compares and orders as its characters do") {
  const Text empty;
  CHECK(empty.empty());
  CHECK(empty == "");
  CHECK(Text("") == empty);
  CHECK(Text("b") > Text("a"));
  CHECK(Text("a") < Text("ab"));
  CHECK(Text("ab") == std::string("ab"));
  CHECK(Text("ab") < std::string_view("b"));
  CHECK(std::hash<Text>()(Text("x")) == std::hash<std::string_view>()("x"));
  CHECK(std::string("pre-") + Text("fix") == "pre-fix");
  CHECK(Text(std::string("with\0nul", 8)).size() == 8);
}

TEST_CASE("the pool keeps every text findable through growth and removal") {
  const std::size_t before = Text::pool_size();
  std::vector<Text> texts;
  for (int i = 0; i < 5000; ++i) texts.emplace_back("pool-" + std::to_string(i));
  CHECK(Text::pool_size() == before + 5000);
  // Removing every third one leaves holes the backward shift must close.
  for (std::size_t i = 0; i < texts.size(); i += 3) texts[i] = Text();
  for (int i = 0; i < 5000; ++i) {
    const Text again("pool-" + std::to_string(i));
    if (i % 3 != 0) CHECK(again.view().data() == texts[static_cast<std::size_t>(i)].view().data());
  }
  texts.clear();
  CHECK(Text::pool_size() == before);
}

TEST_CASE("threads making and dropping the same texts agree on one entry each") {
  const std::size_t before = Text::pool_size();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&wrong] {
      for (int round = 0; round < 2000; ++round) {
        const Text text("thread-text-" + std::to_string(round % 7));
        const Text copy = text;
        if (copy != Text("thread-text-" + std::to_string(round % 7))) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(wrong == 0);
  CHECK(Text::pool_size() == before);
}

TEST_CASE("OptionalText is a Text or none in 8 bytes, and none is not empty") {
  using mw::core::OptionalText;
  CHECK(sizeof(OptionalText) == sizeof(Text));
  const OptionalText none;
  const OptionalText empty = Text();
  const OptionalText mail = "a@example.com";
  CHECK_FALSE(none.has_value());
  CHECK(none == std::nullopt);
  CHECK(empty.has_value());
  CHECK(empty->empty());
  CHECK(none != empty);
  CHECK(mail == "a@example.com");
  CHECK(mail == std::string("a@example.com"));
  CHECK(mail != "b@example.com");
  CHECK(none != "");
  OptionalText copy = mail;
  CHECK(copy == mail);
  copy = std::nullopt;
  CHECK_FALSE(copy);
  {
    const std::vector<OptionalText> many(1000);  // none is shared and never freed
    CHECK_FALSE(many.back().has_value());
  }
  CHECK_FALSE(OptionalText().has_value());
  // The record's layout: strings as 8-byte handles, the small fields in the
  // raw status's padding.
  CHECK(sizeof(Membership) <= 72);
}

TEST_CASE("a raw status is kept with its account cut out and given back whole") {
  const std::string reason = "Account 200000000001 is not a member of administrator 200000000001.";
  const RawStatus status(reason, "200000000001");
  CHECK(status.text("200000000001") == reason);
  CHECK(status ==
        RawStatus("Account 200000000001 is not a member of administrator 200000000001.", "200000000001"));
  // Two accounts' reasons share one pattern.
  const RawStatus other("Account 200000000002 is not a member of administrator 200000000001.",
                        "200000000002");
  CHECK(other == status);
  CHECK(other.text("200000000002") == "Account 200000000002 is not a member of administrator 200000000001.");
  CHECK(RawStatus("Enabled", "200000000001").text("200000000001") == "Enabled");
  CHECK(RawStatus("200000000001", "200000000001").text("200000000001") == "200000000001");
  CHECK(RawStatus("", "200000000001").text("200000000001").empty());
  CHECK(RawStatus("no account here", "").text("") == "no account here");

  Membership record;
  record.account_id = "300000000003";
  record.set_raw_status("The account 300000000003 is not in the graph");
  CHECK(record.raw_status_text() == "The account 300000000003 is not in the graph");
}

TEST_CASE("RecentTexts gives the pool's text and keeps only the last few alive") {
  const std::size_t before = Text::pool_size();
  {
    mw::core::RecentTexts recent;
    const Text first = recent.get("recent-0");
    CHECK(first == Text("recent-0"));
    CHECK(recent.get("recent-0").identity() == first.identity());
  }
  CHECK(Text::pool_size() == before);  // the cache's copies went with it

  mw::core::RecentTexts recent;
  for (int i = 0; i < 4; ++i) static_cast<void>(recent.get("recent-" + std::to_string(i)));
  CHECK(Text::pool_size() == before + 4);  // kept, though no one else holds them
  static_cast<void>(recent.get("recent-4"));
  CHECK(Text::pool_size() == before + 4);  // the oldest made way
  CHECK(recent.get("recent-4") == Text("recent-4"));
}

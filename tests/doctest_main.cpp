#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

namespace {

// ctest runs one test case per process by name (doctest_discover_tests). A
// filter that matches nothing (a name CMake split at a ';', a renamed test)
// would run no test and pass; this listener makes that run fail instead.
bool g_ran_without_test_cases = false;

struct NoTestCaseRunListener : doctest::IReporter {
  explicit NoTestCaseRunListener(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    g_ran_without_test_cases = stats.numTestCasesPassingFilters == 0;
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

REGISTER_LISTENER("no_test_case_run", 1, NoTestCaseRunListener);

}  // namespace

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int result = context.run();
  if (context.shouldExit()) return result;
  if (g_ran_without_test_cases) {
    std::fprintf(stderr, "no test case matched the filters: nothing was tested\n");
    return result != 0 ? result : 1;
  }
  return result;
}

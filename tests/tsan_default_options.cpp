// Linked into every executable of a ThreadSanitizer build (MW_TSAN=ON, see
// mw_tsan_defaults in CMakeLists.txt): the options TSan starts with, which
// TSAN_OPTIONS overrides one by one. The tests start memberwatchd and
// fake-aws with environments of their own, without TSAN_OPTIONS. With
// TSan's own defaults a race there would only print a report into a log
// the test does not read and change the exit status to 66 at a clean exit,
// which a test that kills the daemon never sees; halt_on_error=1 ends the
// process at the first report instead.

extern "C" const char* __tsan_default_options() {
  return "halt_on_error=1:second_deadlock_stack=1";
}

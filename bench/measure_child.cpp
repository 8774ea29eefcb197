// mw-bench-measure COMMAND [ARGS...]: runs COMMAND and prints, on the last
// line of stderr, {"wall_s":..,"cpu_s":..,"peak_rss_bytes":..,"exit_code":..}.
//
// Why not os.wait4 in the Python driver: Linux carries a process's peak RSS
// across exec, so a child forked from the driver reports at least the
// driver's own RSS. Forked from this small program, it starts from almost
// nothing.

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: mw-bench-measure COMMAND [ARGS...]\n");
    return 64;
  }
  const auto started = std::chrono::steady_clock::now();
  const pid_t child = fork();
  if (child < 0) {
    std::perror("mw-bench-measure: fork");
    return 71;
  }
  if (child == 0) {
    execvp(argv[1], argv + 1);
    std::perror("mw-bench-measure: exec");
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  if (wait4(child, &status, 0, &usage) < 0) {
    std::perror("mw-bench-measure: wait4");
    return 71;
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                     static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  const int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::fprintf(stderr, "\n{\"wall_s\":%.6f,\"cpu_s\":%.6f,\"peak_rss_bytes\":%lld,\"exit_code\":%d}\n", wall,
               cpu, static_cast<long long>(usage.ru_maxrss) * 1024, exit_code);
  return exit_code;
}

#include <doctest/doctest.h>

#include <cstdlib>

#include "app/allocator.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

// Sanitizers replace glibc's allocator: there is nothing to check.
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define MW_GLIBC_ALLOCATOR 1
#endif

namespace {

#if defined(MW_GLIBC_ALLOCATOR)
std::size_t mapped_blocks() {
  return mallinfo2().hblks;
}

// A 40 KiB block, touched so that it is really allocated.
void* volatile block = nullptr;
void allocate() {
  block = std::malloc(40 * 1024);
  static_cast<char*>(block)[0] = 1;
}
#endif

}  // namespace

TEST_CASE("tuned, a 40 KiB block is mapped on its own and unmapped when freed") {
#if !defined(MW_GLIBC_ALLOCATOR)
  MESSAGE("skipped: not glibc's allocator");
#else
  REQUIRE(mw::app::tune_allocator());
  // With the top of the heap trimmed, glibc's default (128 KiB) would take
  // a 40 KiB block from a grown heap, not from a mapping of its own.
  malloc_trim(0);
  REQUIRE(mallinfo2().keepcost < 40 * 1024);
  const std::size_t before = mapped_blocks();
  allocate();
  CHECK(mapped_blocks() == before + 1);
  std::free(block);
  CHECK(mapped_blocks() == before);
#endif
}

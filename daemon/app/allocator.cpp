#include "app/allocator.hpp"

#include <cstdlib>  // defines __GLIBC__ under glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace mw::app {

bool tune_allocator() {
#if defined(__GLIBC__)
  constexpr int kOwnMappingBytes = 32 * 1024;
  // Setting either turns off glibc's dynamic threshold, which would raise
  // the mapping threshold to the largest block freed so far.
  return mallopt(M_MMAP_THRESHOLD, kOwnMappingBytes) == 1 && mallopt(M_TRIM_THRESHOLD, kOwnMappingBytes) == 1;
#else
  return false;
#endif
}

}  // namespace mw::app

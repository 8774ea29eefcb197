#pragma once

namespace mw::app {

// Sets glibc's allocator so that blocks of 32 KiB and more (response bodies,
// their parse arenas, the record vectors of a source) are mapped on their
// own and go back to the kernel when freed, and free memory at the top of
// the heap is trimmed from 32 KiB. With the defaults such blocks stay in
// the heap after a cycle frees them: peak RSS on the benchmark's standard
// world is about 32 MiB instead of 35.7. The cost, an mmap and a munmap per
// large block, is a few thousand system calls a cycle. Does nothing where
// the C library is not glibc. Returns whether both settings took.
bool tune_allocator();

}  // namespace mw::app

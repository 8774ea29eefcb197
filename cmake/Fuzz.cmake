# libFuzzer targets (tests/fuzz/) for every parser that reads outside data.
# -DMW_FUZZ=ON with Clang instruments everything for coverage and with
# ASan+UBSan; build the `mw_fuzz_targets` target and run `ctest -L fuzz`
# (each target for MW_FUZZ_SECONDS, failing on any crash). Needs Debian's
# clang and libclang-rt-14-dev.
option(MW_FUZZ "Build the libFuzzer targets (Clang only) and their `fuzz` ctest label" OFF)
set(MW_FUZZ_SECONDS 60 CACHE STRING "How long `ctest -L fuzz` runs each fuzz target, in seconds")

if(MW_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MW_FUZZ=ON needs Clang (CC=clang CXX=clang++), not ${CMAKE_CXX_COMPILER_ID}")
  endif()
  if(MW_SANITIZE)
    message(FATAL_ERROR "MW_FUZZ=ON already builds with ASan+UBSan; leave MW_SANITIZE off")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  enable_testing()
  add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/../tests/fuzz ${CMAKE_BINARY_DIR}/tests/fuzz)
endif()

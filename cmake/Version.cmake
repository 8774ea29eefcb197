# The version shown by --version: the project version, plus git describe when
# the source is a git checkout (so a build says exactly which commit it is).
set(MW_VERSION "${PROJECT_VERSION}")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${CMAKE_SOURCE_DIR}/.git")
  execute_process(
    COMMAND "${GIT_EXECUTABLE}" describe --always --dirty --tags
    WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
    OUTPUT_VARIABLE MW_GIT_DESCRIBE
    OUTPUT_STRIP_TRAILING_WHITESPACE
    ERROR_QUIET)
  if(MW_GIT_DESCRIBE)
    set(MW_VERSION "${PROJECT_VERSION}+${MW_GIT_DESCRIBE}")
  endif()
endif()

# Tests of mw_aws (the network half of the AWS request layer).
if(NOT TARGET mw_test_support)
  add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/../support ${CMAKE_CURRENT_BINARY_DIR}/support)
endif()

mw_add_test(NAME test_aws_retry SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_retry.cpp LIBS mw_aws)
mw_add_test(NAME test_aws_rate_limiter SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_rate_limiter.cpp LIBS mw_aws)
mw_add_test(NAME test_aws_http_client SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_http_client.cpp
            LIBS mw_aws mw_test_support)
mw_add_test(NAME test_aws_client SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_aws_client.cpp
            LIBS mw_aws mw_test_support)

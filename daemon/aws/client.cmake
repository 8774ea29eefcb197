# mw_aws: the network half of the AWS request layer (HTTPS client,
# connection pool, proxy, retries, rate limiting, request counters and the
# AwsClient that ties them to the signer of mw_aws_core).
add_library(mw_aws STATIC
  ${CMAKE_CURRENT_LIST_DIR}/tls.cpp
  ${CMAKE_CURRENT_LIST_DIR}/proxy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/connection_pool.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_client.cpp
  ${CMAKE_CURRENT_LIST_DIR}/retry.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rate_limiter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/request_stats.cpp
  ${CMAKE_CURRENT_LIST_DIR}/aws_client.cpp)
target_link_libraries(mw_aws PUBLIC mw_aws_core mw_asio mw_common Boost::url spdlog::spdlog OpenSSL::SSL)

# Tests of the http and webhook connectors (included by
# tests/connectors/CMakeLists.txt). Their own executable: every case starts
# real servers on 127.0.0.1 (fake_apis.py under Debian's /usr/bin/python3,
# standard library only) and an openssl-made certificate for https.
if(TARGET signflow_http_connector_tests)
  return()
endif()
find_package(Catch2 2 CONFIG REQUIRED)
include(Catch)

add_executable(signflow_http_connector_tests
  ${CMAKE_CURRENT_LIST_DIR}/fake_server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_connector_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_examples_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/webhook_connector_test.cpp
)
target_link_libraries(signflow_http_connector_tests PRIVATE signflow::connectors signflow_catch_main signflow_warnings)
# The tests reach the parts behind the factories (templates, signatures).
target_include_directories(signflow_http_connector_tests PRIVATE ${PROJECT_SOURCE_DIR}/connectors/src)
target_compile_definitions(signflow_http_connector_tests PRIVATE SIGNFLOW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
catch_discover_tests(signflow_http_connector_tests TEST_PREFIX "connectors/" PROPERTIES TIMEOUT 60 LABELS connectors)

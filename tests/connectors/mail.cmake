# Tests of the email, sms and messages connectors (included by
# tests/connectors/CMakeLists.txt): a real SMTP server (mail_server.py on
# Debian's python3-aiosmtpd), an SMS gateway stand-in (fake_apis.py
# receiver), self-signed certificates made with openssl at test time, and
# Python's email package to read what arrived.
add_executable(signflow_mail_tests
  ${CMAKE_CURRENT_LIST_DIR}/fake_server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mail_server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mail_smtp_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mail_messages_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sms_test.cpp
)
target_link_libraries(signflow_mail_tests PRIVATE signflow::connectors signflow_catch_main signflow_warnings)
target_include_directories(signflow_mail_tests PRIVATE ${PROJECT_SOURCE_DIR}/connectors/src)
target_compile_definitions(signflow_mail_tests PRIVATE SIGNFLOW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
catch_discover_tests(signflow_mail_tests TEST_PREFIX "mail/" PROPERTIES TIMEOUT 90 LABELS connectors)

# Test sources of signflow_evidence_tests.
target_sources(signflow_evidence_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/sample_chain.cpp
  ${CMAKE_CURRENT_LIST_DIR}/otp_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/audit_chain_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/certificate_test.cpp
)

# The CLI test's fixture: the sample chain as `signflow-audit/1` JSON, made
# by link() (no hand-written hashes). The test tampers with it in Python.
add_executable(audit_sample_chain ${CMAKE_CURRENT_LIST_DIR}/write_sample_chain.cpp ${CMAKE_CURRENT_LIST_DIR}/sample_chain.cpp)
target_include_directories(audit_sample_chain PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(audit_sample_chain PRIVATE signflow::evidence signflow_warnings)
add_test(NAME audit_cli COMMAND ${CMAKE_CURRENT_LIST_DIR}/audit_cli_test.sh
  $<TARGET_FILE:signflow> $<TARGET_FILE:audit_sample_chain>)

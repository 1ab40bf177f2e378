# The attach tests of signflow_document_tests: uploads, embedded files and
# the certificate of completion, against qpdf, pdftotext and files made by
# reportlab and PIL (Debian's /usr/bin/python3).
target_sources(signflow_document_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/attach/support.cpp
  ${CMAKE_CURRENT_LIST_DIR}/attach_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/completion_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bundle_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/attach_signed_test.cpp)

# Untrusted files read in a child process (isolated.hpp): the real
# signflow-parse, and a reader that misbehaves on purpose (crash, CPU, hang,
# output, memory, files) to show each limit holds and the parent survives.
add_executable(misbehaving_reader ${CMAKE_CURRENT_LIST_DIR}/misbehaving_reader.cpp)
target_link_libraries(misbehaving_reader PRIVATE signflow::documents signflow_warnings)
target_sources(signflow_document_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/isolated_test.cpp)
target_compile_definitions(signflow_document_tests PRIVATE
  SIGNFLOW_PARSE_HELPER="$<TARGET_FILE:signflow-parse>"
  SIGNFLOW_MISBEHAVING_READER="$<TARGET_FILE:misbehaving_reader>")
add_dependencies(signflow_document_tests signflow-parse misbehaving_reader)

# The form tests of signflow_document_tests: templates described and filled,
# checked with qpdf and pdftotext; the stock PDFs against stdlib's specs.
target_sources(signflow_document_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/form_support.cpp
  ${CMAKE_CURRENT_LIST_DIR}/form_test.cpp
)
target_link_libraries(signflow_document_tests PRIVATE signflow::stock_documents signflow::stdlib)

# `signflow fields` / `signflow fill`, and `signflow check` reading a
# workflow's PDF template, through the binary.
add_test(NAME form_cli COMMAND ${CMAKE_CURRENT_LIST_DIR}/form_cli_test.sh $<TARGET_FILE:signflow> ${PROJECT_SOURCE_DIR})

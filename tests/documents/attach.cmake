# The attach tests of signflow_document_tests: uploads, embedded files and
# the certificate of completion, against qpdf, pdftotext and files made by
# reportlab and PIL (Debian's /usr/bin/python3).
target_sources(signflow_document_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/attach/support.cpp
  ${CMAKE_CURRENT_LIST_DIR}/attach_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/completion_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/attach_signed_test.cpp)

# The sign tests of signflow_document_tests: PAdES signing judged by pdfsig,
# qpdf and OpenSSL, a local RFC 3161 TSA (openssl ts behind python's
# http.server), verify() on hostile bytes, and the CLI (verify, keys, sign).
target_sources(signflow_document_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/sign_support.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sign_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sign_tsa_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sign_verify_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/signature_image_test.cpp
)
# The tests make PDFs with PoDoFo and read CMS with OpenSSL directly.
if(NOT TARGET PkgConfig::PODOFO)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(PODOFO REQUIRED IMPORTED_TARGET libpodofo)
endif()
find_package(PNG REQUIRED)
target_link_libraries(signflow_document_tests PRIVATE PkgConfig::PODOFO OpenSSL::Crypto PNG::PNG)
add_test(NAME signflow_cli_sign
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/sign_cli_test.sh $<TARGET_FILE:signflow>)

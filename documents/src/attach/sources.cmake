# The attach part of signflow_documents: uploads (inspect_upload), embedded
# files (embed_attachments) and the certificate of completion
# (append_completion_page).
target_sources(signflow_documents PRIVATE
  src/attach/podofo_edge.cpp
  src/attach/image_headers.cpp
  src/attach/pdf_inspection.cpp
  src/attach/inspect_upload.cpp
  src/attach/embed_attachments.cpp
  src/attach/certificate_layout.cpp
  src/attach/completion_page.cpp)
# zlib: pdf_prescan inflates object streams itself before PoDoFo parses them.
find_package(ZLIB REQUIRED)
target_sources(signflow_documents PRIVATE src/attach/pdf_prescan.cpp)
# zlib's crc32: several documents in one ZIP download (bundle.cpp).
target_sources(signflow_documents PRIVATE src/attach/bundle.cpp)
target_link_libraries(signflow_documents PRIVATE ZLIB::ZLIB)

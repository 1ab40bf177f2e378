# The sign part of signflow_documents: keys, PAdES signing (PoDoFo +
# OpenSSL CMS), RFC 3161 timestamps (over signflow::net), verification.
target_sources(signflow_documents PRIVATE
  src/sign/keys.cpp
  src/sign/cades.cpp
  src/sign/appearance.cpp
  src/sign/signature_image.cpp
  src/sign/signing.cpp
  src/sign/pdf_scan.cpp
  src/sign/verify.cpp
)

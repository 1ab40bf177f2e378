# Sources of signflow_evidence.
target_sources(signflow_evidence PRIVATE
  src/chain_verify.cpp
  src/certificate.cpp
  src/otp.cpp
)

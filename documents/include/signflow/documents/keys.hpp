#pragma once
// The operator's signing identity: a private key, its certificate and the
// chain up to a root, loaded once from PEM and shared by every signing
// thread. signflow signs every signer's act and the final seal with the
// operator's key (the signers are identified by the evidence: audit trail,
// one-time codes, the typed name or drawn image in the visible signature),
// so one Credentials lives as long as the daemon's configuration.
//
// `make_self_signed` makes a pair for trying signflow out; its subject says
// "signflow TESTING ONLY" so nobody mistakes a document sealed with it for a
// real one.
#include <memory>
#include <string>

namespace signflow::documents {

// Opaque: OpenSSL's EVP_PKEY, X509 and chain. Immutable after loading and
// safe to share between threads for signing (OpenSSL 3 key objects are
// read-only once made).
struct Credentials;

// Loads and checks a key and its certificate (and an optional chain, any
// number of PEM certificates). DocumentError when a PEM cannot be read, when
// the key does not belong to the certificate, or when the certificate has
// expired or is not yet valid (the message gives the dates).
std::shared_ptr<Credentials const> load_credentials(std::string const& key_pem, std::string const& cert_pem,
                                                    std::string const& chain_pem = {});

struct KeyPair {
    std::string key_pem;   // PKCS#8, unencrypted: keep the file 0600
    std::string cert_pem;  // self-signed X.509 v3
};

// A fresh RSA-2048 key and a self-signed certificate valid for `days` from
// now, subject CN=common_name, O=signflow TESTING ONLY. For trying signflow
// out, never for documents anyone relies on.
KeyPair make_self_signed(std::string const& common_name, int days = 365);

// The certificate's subject on one line, CN first ("CN=Acme, O=Acme Ltd"),
// for logs and for `signflow keys`.
std::string certificate_subject(Credentials const& credentials);

}  // namespace signflow::documents

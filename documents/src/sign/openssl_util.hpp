#pragma once
// Owning handles for OpenSSL objects and the error text OpenSSL leaves on
// its queue, shared by the sign part's files. Every OpenSSL failure becomes
// a DocumentError whose message says what signflow was doing, followed by
// OpenSSL's own reason.
#include "signflow/documents/error.hpp"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>

namespace signflow::documents::sign_detail {

template <auto Free>
struct Deleter {
    template <class T>
    void operator()(T* p) const { Free(p); }
};

using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo_free>>;
inline void free_certificates(STACK_OF(X509) * stack) { sk_X509_pop_free(stack, X509_free); }
using X509StackPtr = std::unique_ptr<STACK_OF(X509), Deleter<free_certificates>>;

// OpenSSL's queued errors as one line (and the queue cleared).
inline std::string openssl_errors() {
    std::string out;
    while (unsigned long code = ERR_get_error()) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        if (!out.empty()) out += "; ";
        out += buffer;
    }
    return out;
}

[[noreturn]] inline void fail(std::string what) {
    auto reason = openssl_errors();
    if (!reason.empty()) what += " (OpenSSL: " + reason + ")";
    throw DocumentError(what);
}

inline BioPtr memory_bio(std::string_view bytes) {
    BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    if (!bio) fail("out of memory making a BIO");
    return bio;
}

inline std::string bio_contents(BIO* bio) {
    char* data = nullptr;
    long length = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(length));
}

// An X.509 name on one line in the certificate's own order, CN first as
// people read it: "CN=Acme, O=Acme Ltd, C=DE" (UTF-8, values with a comma
// quoted).
inline std::string name_text(X509_NAME const* name) {
    BioPtr out(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(out.get(), name, 0,
                       (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_ESC_QUOTE | XN_FLAG_SEP_CPLUS_SPC |
                           XN_FLAG_FN_SN);
    return bio_contents(out.get());
}

}  // namespace signflow::documents::sign_detail

namespace signflow::documents {

// The opaque struct of keys.hpp. const after loading: EVP_PKEY and X509 are
// only read while signing, which OpenSSL 3 allows from many threads.
struct Credentials {
    sign_detail::PkeyPtr key;
    sign_detail::X509Ptr certificate;
    sign_detail::X509StackPtr chain;  // may be empty, never null
};

}  // namespace signflow::documents

// Loading the operator's key and certificate, and making a self-signed pair
// for tests and `signflow keys init`.
#include "signflow/documents/keys.hpp"

#include "sign/openssl_util.hpp"

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <ctime>

namespace signflow::documents {

using namespace sign_detail;

namespace {

std::string asn1_time_text(ASN1_TIME const* time) {
    BioPtr out(BIO_new(BIO_s_mem()));
    ASN1_TIME_print(out.get(), time);
    return bio_contents(out.get());
}

void add_extension(X509* certificate, int nid, char const* value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    if (!extension || !X509_add_ext(certificate, extension, -1)) {
        X509_EXTENSION_free(extension);
        fail("cannot add a certificate extension");
    }
    X509_EXTENSION_free(extension);
}

}  // namespace

std::shared_ptr<Credentials const> load_credentials(std::string const& key_pem, std::string const& cert_pem,
                                                    std::string const& chain_pem) {
    ERR_clear_error();
    auto credentials = std::make_shared<Credentials>();
    {
        auto bio = memory_bio(key_pem);
        credentials->key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
        if (!credentials->key) fail("the private key is not a readable PEM key (an encrypted key is not supported)");
    }
    {
        auto bio = memory_bio(cert_pem);
        credentials->certificate.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!credentials->certificate) fail("the certificate is not a readable PEM certificate");
    }
    credentials->chain.reset(sk_X509_new_null());
    if (!chain_pem.empty()) {
        auto bio = memory_bio(chain_pem);
        while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
            sk_X509_push(credentials->chain.get(), extra);
        ERR_clear_error();  // the end of the PEM stream reads as an error
        if (sk_X509_num(credentials->chain.get()) == 0)
            throw DocumentError("the certificate chain holds no readable PEM certificate");
    }
    X509* certificate = credentials->certificate.get();
    if (X509_check_private_key(certificate, credentials->key.get()) != 1) {
        ERR_clear_error();
        throw DocumentError("the private key does not match the certificate (" +
                            name_text(X509_get_subject_name(certificate)) + ")");
    }
    if (X509_cmp_current_time(X509_get0_notAfter(certificate)) < 0)
        throw DocumentError("the certificate " + name_text(X509_get_subject_name(certificate)) + " expired on " +
                            asn1_time_text(X509_get0_notAfter(certificate)));
    if (X509_cmp_current_time(X509_get0_notBefore(certificate)) > 0)
        throw DocumentError("the certificate " + name_text(X509_get_subject_name(certificate)) +
                            " is not valid before " + asn1_time_text(X509_get0_notBefore(certificate)));
    return credentials;
}

KeyPair make_self_signed(std::string const& common_name, int days) {
    ERR_clear_error();
    PkeyPtr key(EVP_RSA_gen(2048));
    if (!key) fail("cannot generate an RSA-2048 key");
    X509Ptr certificate(X509_new());
    if (!certificate) fail("out of memory making a certificate");
    X509* c = certificate.get();
    X509_set_version(c, 2);
    // A random 64-bit serial: two test pairs made the same second differ.
    unsigned char serial[8];
    if (RAND_bytes(serial, sizeof serial) != 1) fail("no randomness for a serial number");
    serial[0] &= 0x7f;
    BIGNUM* number = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(number, X509_get_serialNumber(c));
    BN_free(number);
    X509_gmtime_adj(X509_getm_notBefore(c), -60);  // a minute's grace for clocks a little behind
    X509_time_adj_ex(X509_getm_notAfter(c), days, 0, nullptr);
    X509_set_pubkey(c, key.get());
    X509_NAME* name = X509_get_subject_name(c);
    auto add = [&](char const* field, std::string const& value) {
        if (!X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                        reinterpret_cast<unsigned char const*>(value.data()),
                                        static_cast<int>(value.size()), -1, 0))
            fail("cannot set the certificate's " + std::string(field));
    };
    add("CN", common_name.empty() ? std::string("signflow") : common_name);
    add("O", "signflow TESTING ONLY");
    add("OU", "self-signed, not for real documents");
    X509_set_issuer_name(c, name);
    add_extension(c, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(c, NID_key_usage, "critical,digitalSignature,nonRepudiation");
    add_extension(c, NID_subject_key_identifier, "hash");
    if (!X509_sign(c, key.get(), EVP_sha256())) fail("cannot self-sign the certificate");

    KeyPair pair;
    BioPtr key_out(BIO_new(BIO_s_mem()));
    if (!PEM_write_bio_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr))
        fail("cannot write the key as PEM");
    pair.key_pem = bio_contents(key_out.get());
    BioPtr cert_out(BIO_new(BIO_s_mem()));
    if (!PEM_write_bio_X509(cert_out.get(), c)) fail("cannot write the certificate as PEM");
    pair.cert_pem = bio_contents(cert_out.get());
    return pair;
}

std::string certificate_subject(Credentials const& credentials) {
    return name_text(X509_get_subject_name(credentials.certificate.get()));
}

}  // namespace signflow::documents

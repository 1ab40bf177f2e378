#pragma once
// The certificate of completion: the pages appended to the final document
// (before the operator's seal) that say who signed, how each signer proved
// who they were, and everything that happened to the envelope, ending with
// the audit chain's final hash. Anyone holding the PDF can read it; anyone
// holding the audit export can check the hash against the chain.
//
// The page is drawn from the same JSON the envelope exports, so the page and
// the JSON cannot say different things. Text is set in DejaVu Sans, with
// Droid Sans Fallback for characters DejaVu lacks (CJK names), both embedded
// (Identity-H, with a ToUnicode map so that text extraction and search work).
#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

namespace signflow::documents {

// Returns `pdf` followed by an incremental update that appends the
// certificate as one or more A4 pages (as many as the events need). `pdf`'s
// bytes stay an unchanged prefix, so earlier signatures stay valid.
// `certificate`:
//   {"envelope":42,"workflow":"nda_onboarding","document_sha256":"…",
//    "signers":[{"role":"client","name":"Ana","email":"ana@x",
//                "zone":"Asia/Shanghai","auth":"sms code"}],
//    "events":[{"at":"2026-11-27T09:14:03.120Z","local":"…","kind":"signed",
//               "actor":"client","ip":"…","user_agent":"…","method":"…"}],
//    (an event an operator's API key did in a signer's name also has
//     "on_behalf_of":"client","api_key":{"id":3,"name":"desk"},
//     "operator_reason":"…", and "actor":"api_key:3"),
//    "chain_head":"…","entries":12,"generated_at":"…"}
// envelope, document_sha256, signers, events and chain_head are required;
// the other keys and every key of a signer or event may be missing (the page
// then shows "—"). Throws DocumentError naming a missing or mistyped key, or
// when `pdf` cannot be loaded.
std::string append_completion_page(std::string_view pdf, nlohmann::json const& certificate);

}  // namespace signflow::documents

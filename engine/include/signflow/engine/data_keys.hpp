#pragma once
// The engine's keys in an envelope's `data` (Instance::data, stored as the
// `data` column of its record): one home, so that the machine that writes
// them, the shards, the signer's view and the audit trail that read them
// cannot drift apart. The daemon and webhooks see the same object.
//
//   {"event":    the trigger's data, as it was received (expressions: event.…),
//    "envelope": {id, workflow, created_at, …the trigger's top-level fields} (envelope.…),
//    "roles":    {role: {email, name, phone, timezone, language}},   after a delegation also
//                on_behalf_of: {name, email}: the signer who handed over (the role's values are the delegate's)
//    "codes":    {role: that signer's one-time-code state},   written by `verify … by sms|email`
//    "resent":   {role: how many new codes were sent},        idem
//    "corrected": {role: when an operator corrected them (ms)}: links made before then answer 410
//    "documents": {signing, revisions, signed}}              the documents the next signature signs and
//                                                            each one's latest revision (envelope_documents.hpp)
//
// A signer's fields (`field title from client: text`) are kept in their
// role's object: roles.client.fields.title, read as `client.fields.title`.
namespace signflow::engine::data_key {

inline constexpr char event[] = "event";
inline constexpr char envelope[] = "envelope";
inline constexpr char roles[] = "roles";
inline constexpr char codes[] = "codes";
inline constexpr char resent[] = "resent";
inline constexpr char documents[] = "documents";
inline constexpr char corrected[] = "corrected";  // {role: ms}: that signer's links made before are replaced
inline constexpr char document[] = "document";  // before `documents`: the template filled last

}  // namespace signflow::engine::data_key

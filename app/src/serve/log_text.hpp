#pragma once
// What the daemon writes to its log, made safe to read: values from requests
// and events (an email address, a name, a path) may hold control characters
// that a terminal would obey (ANSI escapes that rewrite earlier lines, a
// newline that forges a log line), and signing links hold bearer tokens.
#include <string>
#include <string_view>

namespace signflow::app {

// `text` with every control character escaped: C0 controls and DEL as \n, \r,
// \t or \xNN, C1 controls (U+0080–U+009F) as \u0080…, and bytes that are not
// UTF-8 as \xNN. A backslash stays as it is. Everything else (UTF-8 text,
// Chinese names) is kept.
std::string log_escape(std::string_view text);

// A message for the text log: log_escape, except that a newline stays one,
// followed by four spaces. Multi-line messages (a rule file's diagnostics)
// stay readable, and no line of a message can pass for a log line of its
// own (those begin with a timestamp).
std::string log_lines(std::string_view text);

// A request target as logged: the signing link's token in /sign/TOKEN/…
// shortened to its first 6 characters ("/sign/q3XbZc…/pages/1"), anyone
// reading the log cannot open the signer's envelope.
std::string loggable_target(std::string_view target);

}  // namespace signflow::app

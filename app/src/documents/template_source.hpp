#pragma once
// Where a template's bytes come from on the command line and in `check`:
// `stdlib:NAME` is a stock template compiled into the binary, anything else a
// PDF file.
#include <string>

namespace signflow::app {

// The PDF bytes of `spec`; throws InputError when there is no such stock
// template or file.
std::string template_bytes(std::string const& spec);

}  // namespace signflow::app

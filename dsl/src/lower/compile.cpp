// The front end in one call (compile.hpp).
#include "signflow/dsl/compile.hpp"

#include "signflow/dsl/parse.hpp"

namespace signflow::dsl {

CompileResult compile(SourceFile const& source, Catalog const& catalog) {
    CompileResult result;
    result.ast = parse(source, result.diagnostics);
    check(source, result.ast, catalog, result.diagnostics);
    if (!result.diagnostics.has_errors()) result.workflow = lower(source, result.ast, catalog);
    result.diagnostics.sort();
    return result;
}

}  // namespace signflow::dsl

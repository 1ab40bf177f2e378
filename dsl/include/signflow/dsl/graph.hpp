#pragma once
// The state machine as a diagram: Graphviz DOT or Mermaid `stateDiagram-v2`.
#include "signflow/dsl/ir.hpp"

#include <string>

namespace signflow::ir {

std::string to_dot(Workflow const& w);
std::string to_mermaid(Workflow const& w);

}  // namespace signflow::ir

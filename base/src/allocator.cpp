#include "signflow/base/allocator.hpp"

#ifdef SIGNFLOW_MIMALLOC
#include <mimalloc.h>
#endif

namespace signflow::base {

std::string allocator_name() {
#ifdef SIGNFLOW_MIMALLOC
    int v = mi_version();  // major, then two digits of minor: 209 is 2.0.9
    return "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." + std::to_string(v % 10);
#else
    return "glibc malloc";
#endif
}

bool allocator_is_glibc() {
#ifdef SIGNFLOW_MIMALLOC
    return false;
#else
    return true;
#endif
}

}  // namespace signflow::base

// The Catch2 runner (Catch2 v2: one translation unit defines main).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

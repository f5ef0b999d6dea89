// CAF's test engine, linked once so `caf::test_coordinator_fixture` works under GoogleTest.
#define CAF_TEST_NO_MAIN
#include <caf/test/unit_test_impl.hpp>

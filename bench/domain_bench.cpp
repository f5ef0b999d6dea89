// Domain hot paths: placeholder filled in below.
#include <benchmark/benchmark.h>
BENCHMARK_MAIN();

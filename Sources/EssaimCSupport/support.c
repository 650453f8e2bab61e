#include "EssaimCSupport.h"

#include <sys/random.h>
#include <time.h>
#include <unistd.h>

uint64_t essaim_hash_seed = 0;

/// Sets the seed before any Swift code runs: a Swift static would be read
/// through `swift_once` at every hash (about a million times in a
/// 200,000-event replay).
__attribute__((constructor))
static void essaim_seed_hashes(void) {
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed) {
        // Entropy not ready yet (early boot): the clock still differs per process.
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        seed = ((uint64_t)now.tv_sec * 1000000007u) ^ (uint64_t)now.tv_nsec ^ ((uint64_t)getpid() << 32);
    }
    essaim_hash_seed = seed | 1;
}

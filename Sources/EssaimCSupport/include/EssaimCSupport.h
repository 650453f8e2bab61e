#ifndef ESSAIM_C_SUPPORT_H
#define ESSAIM_C_SUPPORT_H

#include <stdint.h>

/// The seed of the ids' hashes, random per process, set as the library loads
/// (`support.c`) and never changed after.
extern uint64_t essaim_hash_seed;

static inline uint64_t essaim_hash_seed_value(void) {
    return essaim_hash_seed;
}

/// Asks the processor to start loading the cache line at `address` for a
/// write soon (a hint: it never faults, whatever the address).
static inline void essaim_prefetch_for_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

#endif

#ifndef ESSAIM_C_SUPPORT_H
#define ESSAIM_C_SUPPORT_H

/// Asks the processor to start loading the cache line at `address` for a
/// write soon (a hint: it never faults, whatever the address).
static inline void essaim_prefetch_for_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

#endif

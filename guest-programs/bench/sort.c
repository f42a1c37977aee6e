/* Benchmark: sort n 32-bit pseudo-random numbers (xorshift) with an in-place quicksort
 * (median of three, insertion sort for short runs). Returns a checksum of the sorted array, or
 * 0 if it is not sorted. */
#include "kestrel_guest.h"

#define LIMIT (1u << 20)
static uint32_t values[LIMIT];

static void insertion_sort(uint32_t *v, int64_t n) {
    for (int64_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        int64_t j = i - 1;
        while (j >= 0 && v[j] > x) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

static void quicksort(uint32_t *v, int64_t n) {
    while (n > 16) {
        uint32_t x = v[0], y = v[n / 2], z = v[n - 1];
        uint32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        int64_t i = 0, j = n - 1;
        for (;;) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i >= j) break;
            uint32_t t = v[i];
            v[i] = v[j];
            v[j] = t;
            i++;
            j--;
        }
        /* Recurse into the smaller half, loop on the larger: the stack stays O(log n). */
        if (j + 1 < n - j - 1) {
            quicksort(v, j + 1);
            v += j + 1;
            n -= j + 1;
        } else {
            quicksort(v + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    insertion_sort(v, n);
}

uint64_t run(uint64_t n) {
    if (n > LIMIT) {
        n = LIMIT;
    }
    uint32_t state = 2463534242u;
    for (uint64_t i = 0; i < n; i++) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        values[i] = state;
    }
    quicksort(values, (int64_t)n);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (i > 0 && values[i - 1] > values[i]) {
            return 0;
        }
        sum = sum * 1000003 + values[i];
    }
    return sum;
}
KESTREL_EXPORT(run, 1, 1);

uint64_t noop(void) {
    return 0;
}
KESTREL_EXPORT(noop, 0, 1);

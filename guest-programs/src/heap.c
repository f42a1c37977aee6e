/* Heap growth with `sbrk`, and a bump allocator on top of it. */
#include "kestrel_guest.h"

uint64_t heap_base(void) {
    return kestrel_heap_base();
}
KESTREL_EXPORT(heap_base, 0, 1);

/* sbrk(n): the new heap top, or 0 when the heap cannot grow that much. */
uint64_t grow(uint64_t n) {
    return kestrel_sbrk(n);
}
KESTREL_EXPORT(grow, 1, 1);

/* Grows the heap by n bytes, writes every byte and reads them back. */
uint64_t grow_and_fill(uint64_t n) {
    uint64_t top = kestrel_sbrk(n);
    if (top == 0) {
        return 0;
    }
    uint8_t *start = (uint8_t *)(uintptr_t)(top - n);
    for (uint64_t i = 0; i < n; i++) {
        start[i] = (uint8_t)(i * 7 + 1);
    }
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        sum += start[i];
    }
    return sum;
}
KESTREL_EXPORT(grow_and_fill, 1, 1);

struct node {
    struct node *next;
    uint64_t value;
};

/* A linked list of `count` nodes from a bump allocator; returns the sum of the values. */
uint64_t linked_list(uint64_t count) {
    struct node *head = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t top = kestrel_sbrk(sizeof(struct node));
        if (top == 0) {
            return 0;
        }
        struct node *node = (struct node *)(uintptr_t)(top - sizeof(struct node));
        node->next = head;
        node->value = i * i;
        head = node;
    }
    uint64_t sum = 0;
    for (struct node *node = head; node; node = node->next) {
        sum += node->value;
    }
    return sum;
}
KESTREL_EXPORT(linked_list, 1, 1);

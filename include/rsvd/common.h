/*
 * librsvd - common definitions: export macro, version, error codes, allocator.
 *
 * Every other public header includes this one.
 */
#ifndef RSVD_COMMON_H
#define RSVD_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @file
 * @brief Export macro, library version, error codes and the replaceable
 * allocator shared by every part of librsvd.
 */

/** Marks a symbol as part of the public ABI (everything else is hidden). */
#if defined(__GNUC__) || defined(__clang__)
#define RSVD_API __attribute__((visibility("default")))
#else
#define RSVD_API
#endif

/** Library major version (bumped on ABI breaks; equals the SONAME). */
#define RSVD_VERSION_MAJOR 0
/** Library minor version. */
#define RSVD_VERSION_MINOR 1
/** Library patch version. */
#define RSVD_VERSION_PATCH 0

/** @return the library version as "MAJOR.MINOR.PATCH". */
RSVD_API const char *rsvd_version(void);

/**
 * Library error codes. Functions return 0 (RSVD_OK) on success and one of
 * these negative values on failure. They describe what went wrong in the
 * library call itself; protocol answers (NTSTATUS values) are a separate
 * channel, see rsvd/status.h.
 *
 * The RSVD_E_WIRE_* codes are decode failures: each names the structural
 * rule of the message layout that the input broke, so that a state machine
 * can answer with the status its spec section names for that rule.
 */
typedef enum rsvd_error {
    /** Success. */
    RSVD_OK = 0,
    /** The allocator returned NULL. */
    RSVD_E_NOMEM = -1,
    /** An argument is invalid (NULL where not allowed, out of range). */
    RSVD_E_INVAL = -2,
    /** The handle, id or key names nothing known. */
    RSVD_E_NOENT = -3,
    /** The object is not in a state that allows this operation. */
    RSVD_E_STATE = -4,
    /** A configured resource limit has been reached. */
    RSVD_E_LIMIT = -5,
    /** An encoder's output buffer is too small. */
    RSVD_E_NOSPC = -6,
    /** The operation is not supported by this instance or backend. */
    RSVD_E_NOTSUP = -7,
    /** A backend or host callback reported a failure. */
    RSVD_E_IO = -8,
    /** The object is still in use (requests in flight, opens attached). */
    RSVD_E_BUSY = -9,
    /** Nothing is available (no connection, no free bucket, empty queue). */
    RSVD_E_AGAIN = -10,

    /** Input is shorter than the structure's fixed part or a field it names. */
    RSVD_E_WIRE_SHORT = -100,
    /** SMB2 ProtocolId is not 0xFE 'S' 'M' 'B'. */
    RSVD_E_WIRE_PROTOCOL_ID = -101,
    /** A StructureSize field does not hold the value its structure fixes. */
    RSVD_E_WIRE_STRUCTURE_SIZE = -102,
    /** An offset points into the fixed part or past the end of the message. */
    RSVD_E_WIRE_OFFSET = -103,
    /** An offset is not aligned as the structure requires. */
    RSVD_E_WIRE_ALIGN = -104,
    /** Offset + length runs past the end of the message. */
    RSVD_E_WIRE_RANGE = -105,
    /** A count field is zero where at least one element is required. */
    RSVD_E_WIRE_COUNT = -106,
    /** A create-context or EA chain link is misaligned, loops or overruns. */
    RSVD_E_WIRE_CHAIN = -107,
    /** A name length is invalid (too short, too long, or not terminated). */
    RSVD_E_WIRE_NAME = -108,
    /** A field holds a value that its structure does not allow. */
    RSVD_E_WIRE_VALUE = -109,
    /** The message carries a different command or operation than expected. */
    RSVD_E_WIRE_COMMAND = -110
} rsvd_error;

/**
 * @return a short English description of an rsvd_error value, or
 * "unknown error" for a value that is not one.
 */
RSVD_API const char *rsvd_strerror(int err);

/**
 * @return the symbolic name of an rsvd_error value ("RSVD_E_NOMEM"), or
 * "RSVD_E_?" for a value that is not one.
 */
RSVD_API const char *rsvd_error_name(int err);

/**
 * Initialiser of a struct that can grow: sets its struct_size to the size
 * the caller is built with and every other member to zero (each member's
 * default).
 *
 * Every config struct, callback table, registration and inspection struct
 * of the API starts with `size_t struct_size`. A later release may append
 * members; a program built against older headers keeps working, because
 * the library reads (and writes) only the bytes the program's struct_size
 * covers and takes zero for the rest. Initialise such a struct with this
 * macro:
 *
 *     rsvd_server_config cfg = RSVD_STRUCT_INIT(rsvd_server_config);
 *     static const rsvd_object_store_ops ops = {
 *         .struct_size = sizeof(rsvd_object_store_ops), .open = my_open, ...};
 *
 * A struct_size below the struct's first release is refused with
 * RSVD_E_INVAL. docs/abi.md gives the rules.
 */
#define RSVD_STRUCT_INIT(type) {.struct_size = sizeof(type)}

/**
 * Replaceable allocator. Every allocation librsvd makes goes through the
 * instance's rsvd_mem; pass NULL wherever an `const rsvd_mem *` is accepted
 * to use the C library's malloc/calloc/realloc/free.
 *
 * All four functions must be set. free(NULL) must be a no-op. The library
 * keeps the pointer: the table must outlive every instance that uses it.
 */
typedef struct rsvd_mem {
    /** Set by RSVD_STRUCT_INIT(rsvd_mem): the size the caller was built with. */
    size_t struct_size;
    /** As malloc(): @p size bytes, or NULL. */
    void *(*malloc_fn)(size_t size, void *user_data);
    /** As calloc(): @p nmemb * @p size zeroed bytes, or NULL. */
    void *(*calloc_fn)(size_t nmemb, size_t size, void *user_data);
    /** As realloc(): @p ptr may be NULL; on failure return NULL and leave
     * @p ptr allocated (the library keeps using it). */
    void *(*realloc_fn)(void *ptr, size_t size, void *user_data);
    /** As free(): @p ptr may be NULL. */
    void (*free_fn)(void *ptr, void *user_data);
    /** Passed unchanged to every function above. */
    void *user_data;
} rsvd_mem;

/** @return the allocator backed by the C library (never NULL). */
RSVD_API const rsvd_mem *rsvd_mem_default(void);

/** A 16-byte GUID kept exactly as it travels on the wire. */
typedef struct rsvd_guid {
    /** The 16 bytes in wire order (Data1, Data2, Data3 little-endian, then
     * Data4); the library never reorders them. */
    uint8_t b[16];
} rsvd_guid;

/** @return true if every byte of @p g is zero. */
RSVD_API bool rsvd_guid_is_zero(const rsvd_guid *g);

/** @return true if @p a and @p b hold the same 16 bytes. */
RSVD_API bool rsvd_guid_equal(const rsvd_guid *a, const rsvd_guid *b);

#ifdef __cplusplus
}
#endif

#endif /* RSVD_COMMON_H */

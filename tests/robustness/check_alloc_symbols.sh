#!/bin/sh
# Every allocation librsvd makes goes through the instance's rsvd_mem: only
# the default allocator (lib/util/common.c) may call the C library's
# allocation functions. Fails, naming the object, if another does.
# usage: check_alloc_symbols.sh librsvd.a [nm]
lib=$1
nm=${2:-nm}
found=$("$nm" -A "$lib" | grep -E ' U (malloc|calloc|realloc|reallocarray|free|strdup|strndup|posix_memalign|aligned_alloc|memalign|valloc|asprintf|vasprintf|getline|getdelim|open_memstream)$' |
    grep -v 'common\.c\.o:')
if [ -n "$found" ]; then
    echo "allocation outside rsvd_mem:"
    echo "$found"
    exit 1
fi
# The check must have looked at something: the default allocator is there.
"$nm" -A "$lib" | grep -q 'common\.c\.o: *U malloc$' || { echo "no objects read from $lib"; exit 1; }
echo "only the default allocator calls the C library's allocation functions"

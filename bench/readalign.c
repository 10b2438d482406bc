/* readalign.c - how fast read(2) copies a cached file into a buffer at a
 * given offset from a page: the measure behind WN_READ_ALIGN
 * (bench/README.md, "read(2) into aligned blocks"). Not built by CMake,
 * not shipped:
 *
 *   gcc -O2 -o readalign bench/readalign.c && ./readalign FILE OFFSET
 *
 * Reads FILE three times in 256 KiB reads into a ring of eight buffers,
 * each OFFSET bytes past a page, and prints the wall time of each pass.
 * Read FILE once first so that it is in the page cache. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define CAP ((size_t)256 << 10)
#define SLOTS 8
#define STRIDE (CAP + 8192)

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: readalign FILE OFFSET\n");
		return 2;
	}
	const size_t off = (size_t)strtoul(argv[2], NULL, 10) % 4096;
	char *mem = aligned_alloc(4096, SLOTS * STRIDE);
	if (!mem)
		return 1;
	for (size_t i = 0; i < SLOTS * STRIDE; i += 4096) /* no first-touch faults in the timing */
		mem[i] = 1;
	for (int pass = 0; pass < 3; pass++) {
		const int fd = open(argv[1], O_RDONLY);
		if (fd < 0) {
			perror(argv[1]);
			return 1;
		}
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		long long total = 0;
		for (unsigned slot = 0;; slot = (slot + 1) % SLOTS) {
			const ssize_t n = read(fd, mem + slot * STRIDE + off, CAP);
			if (n <= 0)
				break;
			total += n;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		close(fd);
		const double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9;
		printf("offset %zu: %lld bytes in %.3f s, %.2f GB/s\n", off, total, s, (double)total / s / 1e9);
	}
	free(mem);
	return 0;
}

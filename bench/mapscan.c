/* mapscan.c - is scanning a file through mmap cheaper than read() into one
 * small buffer? Times, in this thread's CPU time, over one file already in
 * the page cache:
 *   populate  mmap of the whole file and MADV_POPULATE_READ (the kernel
 *             maps every page before the scan touches it)
 *   scan1     the first memchr pass over the mapping (every line feed)
 *   scan2     a second pass over the same mapping
 *   read      read() of the file into one 256 KiB buffer, no scan
 *   read+scan read() into the buffer and the same memchr pass over it
 * Not built by CMake, not shipped (bench/README.md, branch exact7):
 *   gcc -O2 -o mapscan bench/mapscan.c && ./mapscan FILE */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14 */
#endif

#define BUF_SIZE ((size_t)256 << 10)

static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t count_lines(const char *p, size_t n)
{
	const char *const end = p + n;
	size_t lines = 0;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		lines++;
		p++;
	}
	return lines;
}

/* Reads fd from its start into buf; returns the bytes read, or the line
 * feeds when scan is set. */
static size_t read_pass(int fd, char *buf, int scan)
{
	size_t total = 0;
	ssize_t r;
	if (lseek(fd, 0, SEEK_SET) != 0)
		return 0;
	while ((r = read(fd, buf, BUF_SIZE)) > 0)
		total += scan ? count_lines(buf, (size_t)r) : (size_t)r;
	return total;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mapscan FILE\n");
		return 2;
	}
	const int fd = open(argv[1], O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0) {
		perror(argv[1]);
		return 1;
	}
	const size_t size = (size_t)st.st_size;
	char *buf = malloc(BUF_SIZE);
	if (!buf)
		return 1;
	read_pass(fd, buf, 0); /* the file into the page cache, the buffer warm */

	double t = thread_cpu();
	char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (madvise(map, size, MADV_POPULATE_READ) != 0)
		perror("madvise(MADV_POPULATE_READ)");
	const double populate = thread_cpu() - t;
	t = thread_cpu();
	const size_t lines1 = count_lines(map, size);
	const double scan1 = thread_cpu() - t;
	t = thread_cpu();
	const size_t lines2 = count_lines(map, size);
	const double scan2 = thread_cpu() - t;
	munmap(map, size);

	t = thread_cpu();
	const size_t bytes = read_pass(fd, buf, 0);
	const double read_only = thread_cpu() - t;
	t = thread_cpu();
	const size_t lines3 = read_pass(fd, buf, 1);
	const double read_scan = thread_cpu() - t;

	printf("populate %.3f s, scan1 %.3f s, scan2 %.3f s, read %.3f s, read+scan %.3f s "
	       "(%zu bytes, %zu lines)\n", populate, scan1, scan2, read_only, read_scan, bytes,
	       lines1);
	free(buf);
	close(fd);
	return lines1 == lines2 && lines2 == lines3 ? 0 : 1;
}

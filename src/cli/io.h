/* io.h - the program's OS layer: inputs (plain or gzip, detected by magic
 * bytes), the output (plain or gzip, stdout or an atomically renamed file),
 * clocks and seeds. Everything POSIX lives in io.c. */
#ifndef WN_CLI_IO_H
#define WN_CLI_IO_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <zlib.h>

struct inflate_state;

#define CLI_ERR_MAX 512

/* The reader thread's ring of blocks read (and inflated) ahead: eight of
 * 256 KiB for plain input, four of 1 MiB for gzip (sixteen made gzip input
 * no faster: bench/README.md). For plain input the main thread wakes a
 * waiting reader only when half the ring is free, so the reader fills half
 * the ring a wake-up, not one block: a wake-up is a futex call and a
 * cross-CPU interrupt, dear on a virtual machine (on 1 GiB of text, 4,100
 * -> 1,030 sleeps, system time -0.1 s: bench/README.md). */
#define CLI_IN_BLOCKS 8

struct cli_in {
	const char *name;    /* for messages: the path, or "stdin" */
	int fd;
	bool gzip;
	bool raw_eof;        /* read() returned 0 */
	bool z_live;         /* z holds an initialized inflate stream */
	bool member_done;    /* the last gzip member ended cleanly */
	z_stream z;
	struct inflate_state *isal; /* ISA-L's inflate when built with it */
	unsigned char *raw;  /* bytes read from fd, not yet consumed */
	size_t raw_len;
	size_t raw_pos;
	uint64_t raw_off;    /* bytes read from fd before raw[0] */
	uint64_t size;       /* file size when known (regular file), else 0 */
	bool live;           /* not a regular file: a pipe, a terminal */
	char err[CLI_ERR_MAX];
	/* A reader thread reads and inflates ahead into a ring of blocks while
	 * the main thread filters; the fields above are the reader's alone. */
	pthread_t thread;
	bool thread_live;
	pthread_mutex_t mu;
	pthread_cond_t room; /* the reader waits here for a free block */
	pthread_cond_t data; /* the main thread waits here for a full one */
	bool reader_waits;
	bool main_waits;
	char *blocks[CLI_IN_BLOCKS];
	ssize_t lens[CLI_IN_BLOCKS]; /* bytes, 0 at the end, -1 on error (err is set) */
	uint64_t ends[CLI_IN_BLOCKS]; /* file position after each block */
	unsigned produced;   /* blocks filled so far */
	unsigned consumed;   /* blocks handed back */
	bool holding;        /* the main thread holds block consumed % the ring's length */
	bool stop;
	uint64_t pos;        /* file position of what the main thread has */
};

/* Opens path ("-" is stdin) and reads its first bytes, to tell gzip. 0, or
 * -1 with in->err set (close it all the same). Then read it either with
 * cli_in_next or, when cli_in_pullable, with cli_in_read, not both. */
int cli_in_open(struct cli_in *in, const char *path);
/* The next block of decoded bytes, read (and inflated) ahead by a reader
 * thread started at the first call: returns its length and points *data
 * at it, valid until the next call; 0 at the end; -1 with in->err set. */
ssize_t cli_in_next(struct cli_in *in, const char **data);
/* Not gzip, and cli_in_next not called: cli_in_read can read it. */
bool cli_in_pullable(const struct cli_in *in);
/* A wn_read_fn (ctx is a struct cli_in) for wn_filter_pull: the bytes
 * cli_in_open read first, then the file, on the caller's thread, no copy
 * but the kernel's. A read error ends the input (returns 0) with in->err
 * set (the byte offset in it), as cli_in_next's reader does: what was read
 * is used, and the program goes on with the next input. */
long cli_in_read(void *ctx, void *buf, size_t cap);
/* True when cli_in_next has a block ready, without waiting. */
bool cli_in_ready(struct cli_in *in);
/* Bytes of the file behind what cli_in_next or cli_in_read returned so far
 * (compressed bytes for gzip); with cli_in_read, only while nothing calls
 * it. */
uint64_t cli_in_pos(const struct cli_in *in);
void cli_in_close(struct cli_in *in);
/* Reads all of path (plain or gzip) into a new buffer, *buf_out, to free.
 * 0, or -1 with err set. */
int cli_read_all(const char *path, char **buf_out, size_t *len_out, char err[CLI_ERR_MAX]);
/* True when path is a regular file, which can be read twice. */
bool cli_is_regular(const char *path);

struct cli_out {
	const char *name;    /* the path, or "stdout" */
	int fd;
	char *path;          /* final path of -o, or NULL for stdout */
	char *tmp;           /* temporary name written until commit */
	bool gzip;
	z_stream z;
	unsigned char *zbuf;
	bool broken_pipe;    /* the reader went away: end quietly */
	int errnum;          /* first write error, 0 if none */
};

/* Opens stdout (path NULL) or a temporary file beside path. 0 or -1, with a
 * message printed. */
int cli_out_open(struct cli_out *o, const char *path, bool gzip, int level);
/* A wn_write_fn: ctx is a struct cli_out. */
int cli_out_write(void *ctx, const char *p, size_t n);
/* Finishes gzip, closes, and renames into place when commit is true (or
 * removes the temporary file). 0 or -1 (o->errnum set). */
int cli_out_close(struct cli_out *o, bool commit);

/* A file written whole under a temporary name beside path, then renamed
 * over it: a crash at any moment leaves path as it was. */
struct cli_file {
	const char *path;
	char *tmp;
	int fd;
	int errnum;          /* first error, 0 if none */
};

/* 0, or -1 with f->errnum set. */
int cli_file_create(struct cli_file *f, const char *path);
/* A wn_write_fn: ctx is a struct cli_file. */
int cli_file_write(void *ctx, const char *p, size_t n);
/* Flushes to disk and closes (the file keeps its temporary name). */
int cli_file_sync(struct cli_file *f);
/* Renames over path and syncs the directory. 0 or -1 (errnum set). */
int cli_file_commit(struct cli_file *f);
/* Removes the temporary file; safe after a commit and twice. */
void cli_file_abort(struct cli_file *f);

/* Plain reading for wn_read_fn (ctx is a struct cli_reader). */
struct cli_reader {
	int fd;
	int errnum;
	uint64_t pos;        /* bytes read so far */
};

/* A read-only descriptor, or -1 with *errnum_out set. */
int cli_read_open(const char *path, int *errnum_out);
long cli_read_fd(void *ctx, void *buf, size_t cap);
/* Size of a regular file, else 0. */
uint64_t cli_file_size(int fd);
void cli_close(int fd);

/* Cores online (at least 1). */
long cli_cpus(void);

/* The default memory limit: half of the physical or cgroup memory. */
uint64_t cli_default_max_mem(void);

/* Ignores SIGPIPE. On SIGINT, SIGTERM or SIGHUP: removes the unfinished
 * output and state files, says on stderr what was written, and ends by the
 * signal (a shell reports 130, 143 or 129). */
void cli_signals_init(void);
/* What the message names: the -o FILE (NULL or "-": stdout, then the bytes
 * written are counted), the state file that the run saves (NULL: none),
 * whether --stats was asked for. */
void cli_signals_describe(const char *output, const char *state, bool stats);
/* The output or the state is now in place. */
void cli_signals_done(bool output, bool state);

double cli_now(void);
/* CPU seconds of the calling thread. */
double cli_thread_cpu(void);
uint64_t cli_random_seed(void);
bool cli_isatty(int fd);
/* The process's peak resident memory so far, in bytes. */
uint64_t cli_peak_rss(void);

#endif

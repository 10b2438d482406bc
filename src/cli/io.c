/* io.c - all of the program's OS code: reading plain or gzip inputs,
 * writing plain or gzip output atomically, signals, clocks and seeds. */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef WN_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#define RAW_CAP ((size_t)256 << 10)
#define BLOCK_CAP ((size_t)256 << 10)
#define GZ_BLOCK_CAP ((size_t)1 << 20)
/* The ring's blocks are aligned to a cache line, as the library's read
 * buffers are (WN_READ_ALIGN, in its private header): the kernel copies a
 * read into a buffer 16 bytes past a 32-byte boundary, as malloc's large
 * blocks are, at a quarter of the speed (1.2 against 5 - 6 GB/s on this
 * project's machine: bench/README.md, "read(2) into aligned blocks"). */
#define READ_ALIGN 64
#define ZOUT_CAP ((size_t)256 << 10)

/* ---- Inputs ------------------------------------------------------------- */

/* Reads until want unconsumed bytes are buffered or the file ends. */
static int fill(struct cli_in *in, size_t want)
{
	if (in->raw_pos) {
		memmove(in->raw, in->raw + in->raw_pos, in->raw_len - in->raw_pos);
		in->raw_off += in->raw_pos;
		in->raw_len -= in->raw_pos;
		in->raw_pos = 0;
	}
	while (!in->raw_eof && in->raw_len < want) {
		const ssize_t r = read(in->fd, in->raw + in->raw_len, RAW_CAP - in->raw_len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(in->err, sizeof(in->err), "read error at byte %llu: %s",
				 (unsigned long long)(in->raw_off + in->raw_len), strerror(errno));
			return -1;
		}
		if (r == 0)
			in->raw_eof = true;
		in->raw_len += (size_t)r;
	}
	return 0;
}

/* ISA-L inflates about four times as fast as zlib here; zlib is the fallback
 * when winnow is built without it, or when WINNOW_INFLATE=zlib asks for it
 * (to compare the two). */
static int inflate_open(struct cli_in *in)
{
#ifdef WN_HAVE_ISAL
	const char *want = getenv("WINNOW_INFLATE");
	if (!want || strcmp(want, "zlib") != 0) {
		in->isal = malloc(sizeof(*in->isal));
		if (!in->isal)
			return -1;
		isal_inflate_init(in->isal);
		in->isal->crc_flag = ISAL_GZIP;
		return 0;
	}
#endif
	if (inflateInit2(&in->z, 15 + 16) != Z_OK)
		return -1;
	in->z_live = true;
	return 0;
}

static void inflate_reset(struct cli_in *in)
{
#ifdef WN_HAVE_ISAL
	if (in->isal) {
		isal_inflate_reset(in->isal);
		in->isal->crc_flag = ISAL_GZIP;
		return;
	}
#endif
	inflateReset(&in->z);
}

/* One inflate call on the buffered input into out[0..*avail). Returns 1 when
 * a gzip member ended, 0 to go on, -1 on corrupt data (*what says why). */
static int inflate_step(struct cli_in *in, unsigned char **out, size_t *avail, const char **what)
{
	const uint32_t cap = *avail > UINT32_MAX ? UINT32_MAX : (uint32_t)*avail;
#ifdef WN_HAVE_ISAL
	if (in->isal) {
		struct inflate_state *st = in->isal;
		st->next_in = in->raw + in->raw_pos;
		st->avail_in = (uint32_t)(in->raw_len - in->raw_pos);
		st->next_out = *out;
		st->avail_out = cap;
		const int rc = isal_inflate(st);
		*out = st->next_out;
		*avail -= cap - st->avail_out;
		in->raw_pos = in->raw_len - st->avail_in;
		if (rc < 0) {
			*what = rc == ISAL_INCORRECT_CHECKSUM ? "checksum mismatch" : "invalid data";
			return -1;
		}
		if (st->block_state != ISAL_BLOCK_FINISH)
			return 0;
		/* Bytes read ahead into the bit buffer belong to the next member. */
		const size_t ahead = (size_t)(st->read_in_length / 8);
		in->raw_pos -= ahead <= in->raw_pos ? ahead : in->raw_pos;
		return 1;
	}
#endif
	in->z.next_in = in->raw + in->raw_pos;
	in->z.avail_in = (uInt)(in->raw_len - in->raw_pos);
	in->z.next_out = *out;
	in->z.avail_out = cap;
	const int zr = inflate(&in->z, Z_NO_FLUSH);
	*out = in->z.next_out;
	*avail -= cap - in->z.avail_out;
	in->raw_pos = in->raw_len - in->z.avail_in;
	if (zr == Z_STREAM_END)
		return 1;
	if (zr == Z_NEED_DICT || zr == Z_DATA_ERROR || zr == Z_MEM_ERROR) {
		*what = in->z.msg ? in->z.msg : "bad data";
		return -1;
	}
	return 0;
}

static int start_reader(struct cli_in *in);

int cli_in_open(struct cli_in *in, const char *path)
{
	memset(in, 0, sizeof(*in));
	in->fd = -1;
	if (strcmp(path, "-") == 0) {
		in->name = "stdin";
		in->fd = STDIN_FILENO;
	} else {
		in->name = path;
		in->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (in->fd < 0) {
			snprintf(in->err, sizeof(in->err), "%s", strerror(errno));
			return -1;
		}
	}
	struct stat st;
	if (fstat(in->fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(in->err, sizeof(in->err), "%s", strerror(EISDIR));
			return -1;
		}
		if (S_ISREG(st.st_mode))
			in->size = (uint64_t)st.st_size;
		in->live = !S_ISREG(st.st_mode);
	}
	in->raw = aligned_alloc(READ_ALIGN, RAW_CAP);
	if (!in->raw) {
		snprintf(in->err, sizeof(in->err), "out of memory");
		return -1;
	}
	if (fill(in, 2) != 0)
		return -1;
	if (in->raw_len >= 2 && in->raw[0] == 0x1f && in->raw[1] == 0x8b) {
		in->gzip = true;
		if (inflate_open(in) != 0) {
			snprintf(in->err, sizeof(in->err), "out of memory");
			return -1;
		}
	}
	return 0;
}

bool cli_in_pullable(const struct cli_in *in)
{
	return !in->gzip && !in->thread_live;
}

static ssize_t read_plain(struct cli_in *in, char *buf, size_t cap)
{
	if (in->raw_pos < in->raw_len) {
		size_t n = in->raw_len - in->raw_pos;
		if (n > cap)
			n = cap;
		memcpy(buf, in->raw + in->raw_pos, n);
		in->raw_pos += n;
		return (ssize_t)n;
	}
	if (in->raw_eof)
		return 0;
	for (;;) {
		const ssize_t r = read(in->fd, buf, cap);
		if (r >= 0) {
			in->raw_off += (uint64_t)r;
			in->raw_eof = r == 0;
			return r;
		}
		if (errno != EINTR) {
			snprintf(in->err, sizeof(in->err), "read error at byte %llu: %s",
				 (unsigned long long)(in->raw_off + in->raw_pos), strerror(errno));
			return -1;
		}
	}
}

long cli_in_read(void *ctx, void *buf, size_t cap)
{
	struct cli_in *in = ctx;
	const ssize_t n = read_plain(in, buf, cap);
	if (n >= 0)
		return (long)n;
	/* The input ends at a read error, as with the reader thread: what was
	 * read is used, and the run goes on with the next input. */
	in->raw_eof = true;
	return 0;
}

static ssize_t gzip_error(struct cli_in *in, const char *what)
{
	snprintf(in->err, sizeof(in->err), "%s at byte %llu", what,
		 (unsigned long long)(in->raw_off + in->raw_pos));
	return -1;
}

/* Inflates gzip members one after another (as `cat a.gz b.gz` makes). */
static ssize_t read_gzip(struct cli_in *in, char *buf, size_t cap)
{
	unsigned char *out = (unsigned char *)buf;
	size_t avail = cap;
	while (avail == cap) {
		if (in->raw_pos == in->raw_len) {
			if (fill(in, 1) != 0)
				return -1;
			if (in->raw_len == 0) {
				if (in->member_done)
					break;
				return gzip_error(in, "truncated gzip data: unexpected end of file");
			}
		}
		if (in->member_done) {
			if (fill(in, 2) != 0)
				return -1;
			if (in->raw_len < 2 || in->raw[0] != 0x1f || in->raw[1] != 0x8b)
				return gzip_error(in, "trailing data after gzip stream");
			inflate_reset(in);
			in->member_done = false;
		}
		const char *what = NULL;
		const int rc = inflate_step(in, &out, &avail, &what);
		if (rc < 0) {
			char msg[CLI_ERR_MAX / 2];
			snprintf(msg, sizeof(msg), "corrupt gzip data (%s)", what);
			return gzip_error(in, msg);
		}
		in->member_done = rc == 1;
	}
	return (ssize_t)(cap - avail);
}

static ssize_t read_block(struct cli_in *in, char *buf, size_t cap)
{
	return in->gzip ? read_gzip(in, buf, cap) : read_plain(in, buf, cap);
}

/* A block of the ring. Inflated input comes in larger blocks: inflate and
 * the filter take about as long each, so one thread often waits for the
 * other, and with blocks four times as large they meet a quarter as often
 * (each wait is a sleep and a wake-up, slow on a virtual machine: context
 * switches 1.8-3.3 k -> 0.5-1.2 k on 243 MB of text). */
static size_t block_cap(const struct cli_in *in)
{
	_Static_assert(BLOCK_CAP % READ_ALIGN == 0 && GZ_BLOCK_CAP % READ_ALIGN == 0,
		       "aligned_alloc wants a size that is a multiple of the alignment");
	return in->gzip ? GZ_BLOCK_CAP : BLOCK_CAP;
}

/* The blocks of the ring in use, CLI_IN_BLOCKS at most. */
static unsigned ring_len(const struct cli_in *in)
{
	return in->gzip ? CLI_IN_BLOCKS / 2 : CLI_IN_BLOCKS;
}

/* Free blocks that wake a waiting reader: half the ring for plain input,
 * where the reader is far ahead and sleeps often; one for gzip, where
 * inflating is the slower side and the main thread does the waiting. */
static unsigned refill_at(const struct cli_in *in)
{
	return in->gzip ? 1 : ring_len(in) / 2;
}

static void *reader(void *arg)
{
	struct cli_in *in = arg;
	for (unsigned i = 0;; i++) {
		pthread_mutex_lock(&in->mu);
		while (in->produced - in->consumed == ring_len(in) && !in->stop) {
			in->reader_waits = true;
			pthread_cond_wait(&in->room, &in->mu);
		}
		in->reader_waits = false;
		const bool stop = in->stop;
		pthread_mutex_unlock(&in->mu);
		if (stop)
			return NULL;
		const unsigned slot = i % ring_len(in);
		const ssize_t n = read_block(in, in->blocks[slot], block_cap(in));
		pthread_mutex_lock(&in->mu);
		in->lens[slot] = n;
		in->ends[slot] = in->raw_off + in->raw_pos;
		in->produced++;
		if (in->main_waits)
			pthread_cond_signal(&in->data);
		pthread_mutex_unlock(&in->mu);
		if (n <= 0)
			return NULL;
	}
}

static int start_reader(struct cli_in *in)
{
	for (unsigned i = 0; i < ring_len(in); i++) {
		in->blocks[i] = aligned_alloc(READ_ALIGN, block_cap(in));
		if (!in->blocks[i])
			return -1;
	}
	if (pthread_mutex_init(&in->mu, NULL) != 0)
		return -1;
	if (pthread_cond_init(&in->room, NULL) != 0) {
		pthread_mutex_destroy(&in->mu);
		return -1;
	}
	if (pthread_cond_init(&in->data, NULL) != 0) {
		pthread_cond_destroy(&in->room);
		pthread_mutex_destroy(&in->mu);
		return -1;
	}
	/* The reader starts with the fatal signals blocked, so the main thread
	 * runs their handler (see sig_deferred). */
	sigset_t fatal, old;
	sigemptyset(&fatal);
	sigaddset(&fatal, SIGINT);
	sigaddset(&fatal, SIGTERM);
	sigaddset(&fatal, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &fatal, &old);
	const int started = pthread_create(&in->thread, NULL, reader, in);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started != 0) {
		pthread_cond_destroy(&in->data);
		pthread_cond_destroy(&in->room);
		pthread_mutex_destroy(&in->mu);
		return -1;
	}
	in->thread_live = true;
	return 0;
}

ssize_t cli_in_next(struct cli_in *in, const char **data)
{
	if (!in->thread_live && start_reader(in) != 0) {
		snprintf(in->err, sizeof(in->err), "cannot start the reader: out of memory");
		return -1;
	}
	pthread_mutex_lock(&in->mu);
	if (in->holding) {
		in->consumed++;
		in->holding = false;
		if (in->reader_waits && ring_len(in) - (in->produced - in->consumed) >= refill_at(in))
			pthread_cond_signal(&in->room);
	}
	while (in->produced == in->consumed) {
		in->main_waits = true;
		pthread_cond_wait(&in->data, &in->mu);
	}
	in->main_waits = false;
	const unsigned slot = in->consumed % ring_len(in);
	const ssize_t n = in->lens[slot];
	in->pos = in->ends[slot];
	in->holding = n > 0;
	pthread_mutex_unlock(&in->mu);
	*data = in->blocks[slot];
	return n;
}

bool cli_in_ready(struct cli_in *in)
{
	pthread_mutex_lock(&in->mu);
	const bool ready = in->produced - in->consumed > (in->holding ? 1u : 0u);
	pthread_mutex_unlock(&in->mu);
	return ready;
}

uint64_t cli_in_pos(const struct cli_in *in)
{
	return in->thread_live ? in->pos : in->raw_off + in->raw_pos;
}

void cli_in_close(struct cli_in *in)
{
	if (in->thread_live) {
		pthread_mutex_lock(&in->mu);
		in->stop = true;
		pthread_cond_signal(&in->room);
		pthread_mutex_unlock(&in->mu);
		pthread_join(in->thread, NULL);
		pthread_cond_destroy(&in->data);
		pthread_cond_destroy(&in->room);
		pthread_mutex_destroy(&in->mu);
		in->thread_live = false;
	}
	for (int i = 0; i < CLI_IN_BLOCKS; i++) {
		free(in->blocks[i]);
		in->blocks[i] = NULL;
	}
	if (in->z_live)
		inflateEnd(&in->z);
	free(in->isal);
	in->isal = NULL;
	if (in->fd > STDIN_FILENO)
		close(in->fd);
	free(in->raw);
	in->raw = NULL;
	in->fd = -1;
}

int cli_read_all(const char *path, char **buf_out, size_t *len_out, char err[CLI_ERR_MAX])
{
	struct cli_in in;
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int rc = cli_in_open(&in, path);
	while (rc == 0) {
		const char *data;
		const ssize_t n = cli_in_next(&in, &data);
		if (n <= 0) {
			rc = n < 0 ? -1 : 0;
			break;
		}
		if (cap - len < (size_t)n) {
			cap = 2 * (len + (size_t)n);
			char *grown = realloc(buf, cap);
			if (!grown) {
				snprintf(in.err, sizeof(in.err), "out of memory");
				rc = -1;
				break;
			}
			buf = grown;
		}
		memcpy(buf + len, data, (size_t)n);
		len += (size_t)n;
	}
	if (rc) {
		snprintf(err, CLI_ERR_MAX, "%s", in.err);
		free(buf);
		buf = NULL;
		len = 0;
	}
	cli_in_close(&in);
	*buf_out = buf;
	*len_out = len;
	return rc;
}

bool cli_is_regular(const char *path)
{
	struct stat st;
	return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- Output ------------------------------------------------------------- */

/* Temporary files (the output, a state), removed if a signal ends the run.
 * Signal handlers can only reach them through globals. */
#define TMP_SLOTS 2
static char *volatile tmp_for_signal[TMP_SLOTS];

/* What the run writes, for the message a signal prints (see
 * cli_signals_describe); volatile, read by the handler. */
static const char *volatile sig_output;  /* -o FILE, or NULL for stdout */
static const char *volatile sig_state;   /* the state saved, or NULL */
static volatile sig_atomic_t sig_stats;  /* --stats was asked for */
static volatile sig_atomic_t sig_output_done, sig_state_done;
static volatile uint64_t sig_bytes_out;  /* bytes written to the output */
/* A signal that lands while write_all is in write() waits for the bytes
 * that call wrote to be counted: the handler leaves it in sig_deferred
 * and write_all ends the run once they are (a second signal ends it at
 * once, should the first land just before write() blocks for good).
 * Only the main thread writes and, as every other thread blocks these
 * signals, only it runs the handler. */
static volatile sig_atomic_t sig_in_write, sig_deferred;

/* Async-signal-safe writing of the message. */
static void say(const char *s)
{
	const size_t n = strlen(s);
	if (write(STDERR_FILENO, s, n) < 0)
		return;
}

static void say_u64(uint64_t v)
{
	char digits[24];
	size_t n = sizeof(digits) - 1;
	digits[n] = '\0';
	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	say(digits + n);
}

static void die_of_signal(int sig)
{
	for (int i = 0; i < TMP_SLOTS; i++)
		if (tmp_for_signal[i])
			unlink(tmp_for_signal[i]);
	say(sig == SIGINT ? "winnow: interrupted (SIGINT)\n"
	    : sig == SIGTERM ? "winnow: terminated (SIGTERM)\n" : "winnow: hung up (SIGHUP)\n");
	const char *out = sig_output, *state = sig_state;
	if (out) {
		say("winnow: ");
		say(out);
		say(sig_output_done ? ": written\n" : ": not written (it is as it was)\n");
	} else {
		say("winnow: stdout: ");
		say_u64(sig_bytes_out);
		say(" bytes written\n");
	}
	if (state) {
		say("winnow: ");
		say(state);
		say(sig_state_done ? ": saved\n" : ": not saved (it is as it was)\n");
	}
	if (sig_stats)
		say("winnow: no statistics: the run did not end\n");
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_fatal_signal(int sig)
{
	if (sig_in_write && !sig_deferred) {
		sig_deferred = sig;
		return;
	}
	die_of_signal(sig);
}

void cli_signals_describe(const char *output, const char *state, bool stats)
{
	sig_output = output && strcmp(output, "-") != 0 ? output : NULL;
	sig_state = state;
	sig_stats = stats;
}

void cli_signals_done(bool output, bool state)
{
	if (output)
		sig_output_done = 1;
	if (state)
		sig_state_done = 1;
}

static void tmp_track(char *tmp, bool live)
{
	for (int i = 0; i < TMP_SLOTS; i++) {
		if (live && !tmp_for_signal[i]) {
			tmp_for_signal[i] = tmp;
			return;
		}
		if (!live && tmp_for_signal[i] == tmp)
			tmp_for_signal[i] = NULL;
	}
}

void cli_signals_init(void)
{
	signal(SIGPIPE, SIG_IGN);
	/* Past a file size limit (ulimit -f) a write fails with EFBIG, as on a
	 * full disk, and is reported so, rather than killing the run. */
	signal(SIGXFSZ, SIG_IGN);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int write_all(struct cli_out *o, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		sig_in_write = 1;
		if (sig_deferred)
			die_of_signal(sig_deferred);
		const ssize_t w = write(o->fd, c, n);
		if (w > 0)
			sig_bytes_out += (uint64_t)w;
		sig_in_write = 0;
		if (sig_deferred)
			die_of_signal(sig_deferred);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			o->errnum = errno;
			o->broken_pipe = errno == EPIPE;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Opens a temporary file beside path, with the mode path would get. */
static int open_tmp(char **tmp_out, int *fd_out, const char *path)
{
	char *copy = strdup(path);
	const size_t cap = strlen(path) + 32;
	char *tmp = malloc(cap);
	*tmp_out = tmp;
	if (!copy || !tmp) {
		free(copy);
		errno = ENOMEM;
		return -1;
	}
	char *base = basename(copy);
	const size_t dir_len = (size_t)(base - copy);
	snprintf(tmp, cap, "%.*s.%s.winnow-XXXXXX", (int)dir_len, path, base);
	free(copy);
	*fd_out = mkstemp(tmp);
	if (*fd_out < 0)
		return -1;
	tmp_track(tmp, true);
	const mode_t mask = umask(0);
	umask(mask);
	struct stat st;
	const mode_t mode = stat(path, &st) == 0 ? st.st_mode & 07777 : 0666 & ~mask;
	if (fchmod(*fd_out, mode) != 0)
		return -1;
	return 0;
}

/* Makes a rename durable: fsync the directory that holds path. */
static int sync_dir(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return -1;
	const int fd = open(dirname(copy), O_RDONLY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -1;
	const int rc = fsync(fd);
	close(fd);
	return rc;
}

int cli_out_open(struct cli_out *o, const char *path, bool gzip, int level)
{
	memset(o, 0, sizeof(*o));
	o->fd = STDOUT_FILENO;
	o->name = "stdout";
	if (path && strcmp(path, "-") != 0) {
		o->name = path;
		struct stat st;
		/* Devices and pipes are written in place; files are replaced whole. */
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			o->fd = open(path, O_WRONLY | O_CLOEXEC);
		} else {
			o->path = strdup(path);
			if (!o->path || open_tmp(&o->tmp, &o->fd, path) != 0)
				o->fd = -1;
		}
		if (o->fd < 0) {
			fprintf(stderr, "winnow: %s: %s\n", path, strerror(errno));
			return -1;
		}
	}
	if (gzip) {
		o->gzip = true;
		o->zbuf = malloc(ZOUT_CAP);
		if (!o->zbuf || deflateInit2(&o->z, level, Z_DEFLATED, 15 + 16, 8,
					     Z_DEFAULT_STRATEGY) != Z_OK) {
			fprintf(stderr, "winnow: %s: out of memory\n", o->name);
			return -1;
		}
	}
	return 0;
}

static int deflate_out(struct cli_out *o, int flush)
{
	do {
		o->z.next_out = o->zbuf;
		o->z.avail_out = (uInt)ZOUT_CAP;
		deflate(&o->z, flush);
		if (write_all(o, o->zbuf, ZOUT_CAP - o->z.avail_out) != 0)
			return -1;
	} while (o->z.avail_out == 0);
	return 0;
}

int cli_out_write(void *ctx, const char *p, size_t n)
{
	struct cli_out *o = ctx;
	if (!o->gzip)
		return write_all(o, p, n);
	o->z.next_in = (unsigned char *)(uintptr_t)p;
	o->z.avail_in = (uInt)n;
	return deflate_out(o, Z_NO_FLUSH);
}

int cli_out_close(struct cli_out *o, bool commit)
{
	int rc = 0;
	if (o->gzip) {
		if (commit && !o->errnum && deflate_out(o, Z_FINISH) != 0)
			rc = -1;
		deflateEnd(&o->z);
		free(o->zbuf);
	}
	if (o->tmp && commit && !o->errnum && fsync(o->fd) != 0) {
		o->errnum = errno;
		rc = -1;
	}
	if (o->fd >= 0 && close(o->fd) != 0 && !o->errnum && !o->broken_pipe) {
		o->errnum = errno;
		rc = -1;
	}
	if (o->errnum)
		rc = -1;
	if (o->tmp) {
		if (commit && rc == 0 && rename(o->tmp, o->path) != 0) {
			o->errnum = errno;
			rc = -1;
		}
		if (!commit || rc != 0)
			unlink(o->tmp);
		tmp_track(o->tmp, false);
	}
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	o->fd = -1;
	return rc;
}

/* ---- Whole files written atomically, and plain reading ------------------- */

int cli_file_create(struct cli_file *f, const char *path)
{
	memset(f, 0, sizeof(*f));
	f->path = path;
	if (open_tmp(&f->tmp, &f->fd, path) != 0) {
		f->errnum = errno;
		cli_file_abort(f);
		return -1;
	}
	return 0;
}

int cli_file_write(void *ctx, const char *p, size_t n)
{
	struct cli_file *f = ctx;
	while (n && !f->errnum) {
		const ssize_t w = write(f->fd, p, n);
		if (w < 0 && errno != EINTR)
			f->errnum = errno;
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		}
	}
	return f->errnum ? -1 : 0;
}

int cli_file_sync(struct cli_file *f)
{
	if (!f->errnum && fsync(f->fd) != 0)
		f->errnum = errno;
	if (close(f->fd) != 0 && !f->errnum)
		f->errnum = errno;
	f->fd = -1;
	return f->errnum ? -1 : 0;
}

int cli_file_commit(struct cli_file *f)
{
	if (rename(f->tmp, f->path) != 0) {
		f->errnum = errno;
		cli_file_abort(f);
		return -1;
	}
	tmp_track(f->tmp, false);
	free(f->tmp);
	f->tmp = NULL;
	if (sync_dir(f->path) != 0) {
		f->errnum = errno;
		return -1;
	}
	return 0;
}

void cli_file_abort(struct cli_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->tmp) {
		unlink(f->tmp);
		tmp_track(f->tmp, false);
		free(f->tmp);
		f->tmp = NULL;
	}
}

int cli_read_open(const char *path, int *errnum_out)
{
	const int fd = open(path, O_RDONLY | O_CLOEXEC);
	*errnum_out = fd < 0 ? errno : 0;
	return fd;
}

long cli_read_fd(void *ctx, void *buf, size_t cap)
{
	struct cli_reader *r = ctx;
	for (;;) {
		const ssize_t n = read(r->fd, buf, cap);
		if (n >= 0) {
			r->pos += (uint64_t)n;
			return (long)n;
		}
		if (errno != EINTR) {
			r->errnum = errno;
			return -1;
		}
	}
}

uint64_t cli_file_size(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
}

void cli_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

long cli_cpus(void)
{
	const long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}

/* Half the memory the process may use: the machine's, or a smaller cgroup
 * (v2 or v1) limit, as containers set. */
uint64_t cli_default_max_mem(void)
{
	const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	uint64_t mem = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : (uint64_t)8 << 30;
	static const char *const limits[] = { "/sys/fs/cgroup/memory.max",
					      "/sys/fs/cgroup/memory/memory.limit_in_bytes" };
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		FILE *fp = fopen(limits[i], "r");
		unsigned long long v;
		if (!fp)
			continue;
		if (fscanf(fp, "%llu", &v) == 1 && v > 0 && v < mem)
			mem = v;
		fclose(fp);
	}
	return mem / 2;
}

/* ---- Clocks and seeds ----------------------------------------------------- */

double cli_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double cli_thread_cpu(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t cli_random_seed(void)
{
	uint64_t seed = 0;
	const int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		const ssize_t r = read(fd, &seed, sizeof(seed));
		close(fd);
		if (r == (ssize_t)sizeof(seed))
			return seed;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_nsec * UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)getpid();
}

uint64_t cli_peak_rss(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) == 0 ? (uint64_t)ru.ru_maxrss * 1024 : 0;
}

bool cli_isatty(int fd)
{
	return isatty(fd) == 1;
}

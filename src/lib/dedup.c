/* dedup.c - the seen set: 64-bit fingerprints in open addressing with
 * 64-byte buckets, split into segments that grow independently. */
#define _DEFAULT_SOURCE /* mmap's MAP_ANONYMOUS and MAP_NORESERVE */
#include <stdlib.h>
#include <string.h>
#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "internal.h"

#if defined(__GNUC__) && defined(__x86_64__)
#define WN_PROBE_AVX2 1 /* chosen at run time, as plain.c's pass */
#include <immintrin.h>
#endif

#define BUCKET 8                 /* fingerprints per 64-byte bucket */
#define INIT_BUCKETS 2
/* A segment grows by 5/4 once 9/10 of its slots are full, so the load stays
 * between 0.72 and 0.9: 8.9 to 11.1 bytes per fingerprint. */
#define GROW_NUM 5
#define GROW_DEN 4

int wn_seen_init(struct wn_seen *s)
{
	memset(s, 0, sizeof(*s));
	s->limit = UINT64_MAX;
#if defined(WN_PROBE_AVX2)
	s->avx2 = wn_plain_path() == WN_PLAIN_PATH_AVX2;
#endif
	s->segs = calloc(WN_SEEN_SEGS, sizeof(*s->segs));
	s->touched = malloc(WN_SEEN_SEGS * sizeof(*s->touched));
	if (!s->segs || !s->touched) {
		wn_seen_free(s);
		return WN_E_NOMEM;
	}
	return 0;
}

void wn_seen_prefetch(const struct wn_seen *s, uint64_t h)
{
	const struct wn_seen_seg *seg = &s->segs[wn_seen_seg_of(h)];
	if (seg->slots)
		__builtin_prefetch(seg->slots + (size_t)wn_seen_bucket_of(h, seg->nbuckets) * BUCKET);
}

/* Finds fp in seg: returns its slot, or the empty slot where it belongs. */
static uint64_t *probe_scalar(const struct wn_seen_seg *seg, uint64_t fp)
{
	uint32_t b = wn_seen_bucket_of(fp, seg->nbuckets);
	for (;;) {
		uint64_t *slot = seg->slots + (size_t)b * BUCKET;
		for (int i = 0; i < BUCKET; i++)
			if (slot[i] == fp || slot[i] == 0)
				return slot + i;
		if (++b == seg->nbuckets)
			b = 0;
	}
}

#if defined(WN_PROBE_AVX2)
/* probe_scalar with a bucket's eight slots compared at once: the slot
 * found is the same, without a branch per slot (where fp or the first
 * empty slot lies in a bucket is a guess the branch predictor loses). */
__attribute__((target("avx2"))) static uint64_t *probe_avx2(const struct wn_seen_seg *seg,
							     uint64_t fp)
{
	const __m256i want = _mm256_set1_epi64x((long long)fp);
	const __m256i zero = _mm256_setzero_si256();
	uint32_t b = wn_seen_bucket_of(fp, seg->nbuckets);
	for (;;) {
		uint64_t *slot = seg->slots + (size_t)b * BUCKET;
		const __m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)slot);
		const __m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(slot + 4));
		const __m256i mlo = _mm256_or_si256(_mm256_cmpeq_epi64(lo, want),
						    _mm256_cmpeq_epi64(lo, zero));
		const __m256i mhi = _mm256_or_si256(_mm256_cmpeq_epi64(hi, want),
						    _mm256_cmpeq_epi64(hi, zero));
		const unsigned m = (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(mlo)) |
				   (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(mhi)) << 4;
		if (m)
			return slot + __builtin_ctz(m);
		if (++b == seg->nbuckets)
			b = 0;
	}
}
#endif

/* The probe of an insert or a look-up: s->avx2 (set at init) picks it. */
static uint64_t *probe(const struct wn_seen *s, const struct wn_seen_seg *seg, uint64_t fp)
{
#if defined(WN_PROBE_AVX2)
	if (s->avx2)
		return probe_avx2(seg, fp);
#else
	(void)s;
#endif
	return probe_scalar(seg, fp);
}

/* Puts the distinct fingerprints of old[0..nslots) (zeros skipped) into
 * seg, whose slots are zero: each in the first empty slot from its home
 * bucket on, where probe() finds it. None is there already, so a bucket is
 * only asked for its next free slot, which fill (a byte a bucket) counts:
 * no compare per slot, and the one branch per fingerprint is nearly always
 * taken the same way. The nonzero slots are first packed to the front of
 * old without a branch, as at a load of 0.6 to 0.9 that test is a guess. */
static void rehash(const struct wn_seen_seg *seg, uint64_t *old, size_t nslots, uint8_t *fill)
{
	size_t n = 0;
	for (size_t i = 0; i < nslots; i++) {
		const uint64_t fp = old[i];
		old[n] = fp;
		n += fp != 0;
	}
	memset(fill, 0, seg->nbuckets);
	for (size_t i = 0; i < n; i++) {
		const uint64_t fp = old[i];
		uint32_t b = wn_seen_bucket_of(fp, seg->nbuckets);
		while (fill[b] == BUCKET)
			if (++b == seg->nbuckets)
				b = 0;
		seg->slots[(size_t)b * BUCKET + fill[b]++] = fp;
	}
}

/* ---- The arena ---------------------------------------------------------------- */

#define HOLE_SLACK ((uint64_t)1 << 20)
/* The arena's first cap: one huge page (bench/README.md, branch exact6). */
#define MIN_CAP ((uint64_t)2 << 20)
#define SLOT_BYTES ((uint64_t)BUCKET * sizeof(uint64_t))

/* The size a segment of nbuckets grows to. */
static uint32_t grown_buckets(uint32_t nbuckets)
{
	const uint32_t grown = (uint32_t)((uint64_t)nbuckets * GROW_NUM / GROW_DEN);
	return grown > nbuckets ? grown : nbuckets + 1;
}

void wn_arena_init(struct wn_arena *a, uint64_t size)
{
	memset(a, 0, sizeof(*a));
	a->size = size - size % 64;
}

/* The size of a transparent huge page: what one page table of this
 * machine's pages maps (2 MiB with 4 KiB pages). 0 where there is none. */
static uint64_t huge_chunk(void)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	const long page = sysconf(_SC_PAGESIZE);
	return page > 0 ? (uint64_t)page * ((uint64_t)page / sizeof(uint64_t)) : 0;
#else
	return 0;
#endif
}

/* Address space for the whole limit, reserved once: pages are taken only
 * as the arena's cap reaches them, and the arena never moves. Moving it
 * (realloc of a large block is mremap) costs as much as touching fresh
 * memory on a virtual machine with shadow page tables: the first access
 * to each moved page after the move (bench/README.md, branch exact5).
 * The base is aligned to a huge page, so the table's first bytes can be
 * one. NULL where there is no such mapping: realloc as before. */
static bool arena_reserve(struct wn_arena *a)
{
#if defined(MAP_ANONYMOUS) && defined(MAP_NORESERVE)
	const uint64_t chunk = huge_chunk();
	const uint64_t len = a->size + chunk;
	if (a->size == 0 || a->size > ((uint64_t)1 << 46) || len > SIZE_MAX / 2)
		return false;
	void *p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return false;
	a->raw = p;
	a->map_len = len;
	a->base = a->raw;
	if (chunk)
		a->base += (chunk - (uintptr_t)a->raw % chunk) % chunk;
	a->mapped = true;
	return true;
#else
	(void)a;
	return false;
#endif
}

/* Transparent huge pages for the whole huge pages below the cap that are
 * not yet advised. Memory past the cap is never touched, so each is advised
 * before its first touch and faults in as one page (this virtual machine
 * charges every 4 KiB first touch 17 to 80 us, and a table in 4 KiB pages
 * stalls its probes on page walks). The page the cap falls inside stays in
 * 4 KiB pages until the cap passes it: huge pages never take the arena's
 * memory past its cap, and past the pages the table touches by less than
 * one huge page (bench/README.md, branch exact6). */
static void arena_advise(struct wn_arena *a)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	const uint64_t chunk = huge_chunk();
	if (!a->mapped || !chunk)
		return;
	const uint64_t end = a->cap - a->cap % chunk;
	if (end <= a->huge)
		return;
	/* Only advice: a kernel without huge pages says EINVAL, and the
	 * arena works the same in 4 KiB pages. */
	(void)madvise(a->base + a->huge, (size_t)(end - a->huge), MADV_HUGEPAGE);
	a->huge = end;
#else
	(void)a;
#endif
}

void wn_arena_free(struct wn_arena *a)
{
#if defined(MAP_ANONYMOUS) && defined(MAP_NORESERVE)
	if (a->mapped)
		munmap(a->raw, (size_t)a->map_len);
	else
		free(a->raw);
#else
	free(a->raw);
#endif
	free(a->blocks);
	free(a->scratch);
	memset(a, 0, sizeof(*a));
}

struct block {
	struct wn_seen_seg *seg;
	uint64_t off;      /* from the arena's base */
	uint64_t dst;      /* where it goes */
	uint32_t nbuckets; /* its size there: more than now if it grows */
};

/* Sorts v[0..n) by offset, a merge sort through tmp (room for n): qsort
 * would take a fresh buffer from the C library at each sweep, and fresh
 * pages cost a first touch each. The list is mostly in runs already. */
static void sort_blocks(struct block *v, struct block *tmp, size_t n)
{
	struct block *from = v, *to = tmp;
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			const size_t mid = lo + w < n ? lo + w : n;
			const size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;
			if (mid < hi && from[mid - 1].off > from[mid].off) {
				while (i < mid && j < hi)
					to[k++] = from[i].off < from[j].off ? from[i++] : from[j++];
			}
			if (i < mid)
				memcpy(to + k, from + i, (mid - i) * sizeof(*to));
			k += mid - i;
			if (j < hi)
				memcpy(to + k, from + j, (hi - j) * sizeof(*to));
		}
		struct block *const t = from;
		from = to;
		to = t;
	}
	if (from != v)
		memcpy(v, from, n * sizeof(*v));
}

/* Moves the arena to a block of cap usable bytes. Offsets are kept. */
static int arena_grow(struct wn_arena *a, uint64_t cap)
{
	if (cap > SIZE_MAX - 64)
		return WN_E_NOMEM;
	if (!a->raw && cap <= a->size)
		(void)arena_reserve(a);
	if (a->mapped) {
		if (cap > a->size)
			return WN_E_NOMEM;
		a->cap = cap;
		arena_advise(a);
		return 0;
	}
	const size_t old_off = a->raw ? (size_t)(a->base - a->raw) : 0;
	unsigned char *raw = realloc(a->raw, (size_t)cap + 64);
	if (!raw)
		return WN_E_NOMEM;
	const size_t off = (size_t)((64 - (uintptr_t)raw % 64) % 64);
	if (off != old_off && a->top)
		memmove(raw + off, raw + old_off, (size_t)a->top);
	a->raw = raw;
	a->base = raw + off;
	a->cap = cap;
	return 0;
}

/* arena_grow, and the segments follow their blocks to the new base. */
static int arena_move(struct wn_arena *a, uint64_t cap)
{
	const unsigned char *old = a->base;
	const int rc = arena_grow(a, cap);
	if (rc || a->base == old || !old)
		return rc;
	for (int i = 0; i < WN_ARENA_SETS; i++) {
		struct wn_seen *s = a->sets[i];
		for (uint32_t si = 0; s && s->segs && si < WN_SEEN_SEGS; si++) {
			struct wn_seen_seg *seg = &s->segs[si];
			if (seg->slots)
				seg->slots = (uint64_t *)(void *)(a->base +
					((const unsigned char *)seg->slots - old));
		}
	}
	return 0;
}

/* Whether a sweep grows seg: a segment of the growing set at a load of 0.75
 * or more (it grows at 0.9 anyway). */
static bool near_growth(const struct wn_arena *a, const struct wn_seen *s,
			const struct wn_seen_seg *seg)
{
	return s == a->growing && (uint64_t)seg->count * 100 >= (uint64_t)seg->nbuckets * BUCKET * 75;
}

/* Puts one block in its place: a block that grows is copied aside, its new
 * place zeroed and its fingerprints rehashed into it. */
static void place(struct wn_arena *a, const struct block *b)
{
	struct wn_seen_seg *seg = b->seg;
	const uint64_t nbytes = (uint64_t)seg->nbuckets * SLOT_BYTES;
	uint64_t *const dst = (uint64_t *)(void *)(a->base + b->dst);
	if (b->nbuckets == seg->nbuckets) {
		if (b->dst != b->off) {
			memmove(dst, a->base + b->off, (size_t)nbytes);
			a->moved += nbytes;
		}
		seg->slots = dst;
		return;
	}
	memcpy(a->scratch, a->base + b->off, (size_t)nbytes);
	memset(dst, 0, (size_t)b->nbuckets * SLOT_BYTES);
	const struct wn_seen_seg grown = { dst, b->nbuckets, seg->count };
	rehash(&grown, a->scratch, (size_t)(nbytes / sizeof(uint64_t)),
	       (uint8_t *)a->scratch + nbytes);
	*seg = grown;
	a->moved += nbytes;
	a->swept++;
}

/* Makes room for need more bytes at the top: slides every live block over
 * the holes, in address order, growing the arena first if the live blocks
 * and the new one would leave it less than a quarter free. A sweep (grow
 * set) also grows the growing set's segments that are near their growth,
 * as far as the limits allow. */
static int reorganize(struct wn_arena *a, uint64_t need, bool grow)
{
	size_t n = 0;
	for (int i = 0; i < WN_ARENA_SETS; i++)
		if (a->sets[i] && a->sets[i]->segs)
			n += WN_SEEN_SEGS;
	if (n > a->blocks_cap) {
		void *grown = realloc(a->blocks, 2 * n * sizeof(struct block));
		if (!grown)
			return WN_E_NOMEM;
		a->blocks = grown;
		a->blocks_cap = n;
	}
	struct block *blocks = a->blocks;
	n = 0;
	struct wn_seen *const gs = a->growing;
	uint64_t budget = 0, largest = 0;
	if (grow && gs) {
		/* Half of what the arena's limit leaves, so blocks a sweep does
		 * not grow still find room; and the set's own limit. */
		budget = a->size > a->live + need ? (a->size - a->live - need) / 2 : 0;
		const uint64_t left = gs->limit > gs->bytes ? gs->limit - gs->bytes : 0;
		if (left < budget)
			budget = left;
	}
	for (int i = 0; i < WN_ARENA_SETS; i++) {
		struct wn_seen *s = a->sets[i];
		for (uint32_t si = 0; s && s->segs && si < WN_SEEN_SEGS; si++) {
			struct wn_seen_seg *seg = &s->segs[si];
			if (!seg->slots)
				continue;
			uint32_t nb = seg->nbuckets;
			if (grow && near_growth(a, s, seg)) {
				const uint32_t g = grown_buckets(nb);
				const uint64_t extra = (uint64_t)(g - nb) * SLOT_BYTES;
				if (extra <= budget) {
					budget -= extra;
					nb = g;
					if ((uint64_t)seg->nbuckets * SLOT_BYTES > largest)
						largest = (uint64_t)seg->nbuckets * SLOT_BYTES;
				}
			}
			blocks[n++] = (struct block){ seg,
				(uint64_t)((unsigned char *)seg->slots - a->base), 0, nb };
		}
	}
	/* The largest block's slots, and a byte for each bucket it grows to. */
	largest += largest / SLOT_BYTES * GROW_NUM / GROW_DEN + SLOT_BYTES;
	if (largest > a->scratch_cap) {
		void *p = realloc(a->scratch, (size_t)largest);
		if (!p)
			return WN_E_NOMEM;
		a->scratch = p;
		a->scratch_cap = (size_t)largest;
	}
	sort_blocks(blocks, blocks + a->blocks_cap, n);
	uint64_t end = 0;
	for (size_t i = 0; i < n; i++) {
		blocks[i].dst = end;
		end += (uint64_t)blocks[i].nbuckets * SLOT_BYTES;
	}
	const uint64_t live = end;
	int rc = 0;
	const uint64_t want = live + need + (live + need) / 4;
	if (want > a->cap) {
		uint64_t cap = a->cap * 2 > want ? a->cap * 2 : want;
		cap = cap < MIN_CAP ? MIN_CAP : cap;
		rc = arena_grow(a, cap < a->size ? cap : a->size);
		if (!rc && live > a->cap)
			rc = WN_E_LIMIT;
	}
	if (rc)
		return rc;
	/* A block that ends up higher than it is may write over the blocks
	 * after it, never over those before: each run of such blocks, with
	 * the block before it, goes last first; the runs go in address order. */
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && blocks[j].dst > blocks[j].off)
			j++;
		for (size_t k = j; k-- > i;)
			place(a, &blocks[k]);
		i = j;
	}
	a->top = live;
	if (live > a->live) /* only the growing set grew */
		gs->bytes += live - a->live;
	a->live = live;
	a->compactions++;
	if (grow) {
		a->sweeps++;
		a->sweep_count = gs ? gs->count : 0;
	}
	memset(a->holes, 0, sizeof(a->holes)); /* slid away */
	return 0;
}

/* A hole of exactly nbytes taken off its list, or NULL. */
static uint64_t *hole_take(struct wn_arena *a, uint64_t nbytes)
{
	for (int i = 0; i < WN_ARENA_HOLE_SIZES; i++) {
		if (a->holes[i].nbytes != nbytes || !a->holes[i].head)
			continue;
		uint64_t *p = (uint64_t *)(void *)(a->base + a->holes[i].head - 1);
		a->holes[i].head = *p;
		return p;
	}
	return NULL;
}

/* Puts a hole on the list of its size. A new size takes an empty list, or
 * the list of the smallest size: segments only grow, so small holes are
 * the least likely to be asked for; those wait for the next compaction. */
static void hole_put(struct wn_arena *a, uint64_t *p, uint64_t nbytes)
{
	int k = -1;
	for (int i = 0; i < WN_ARENA_HOLE_SIZES; i++) {
		if (a->holes[i].nbytes == nbytes && a->holes[i].head) {
			k = i;
			break;
		}
		if (k < 0 || (a->holes[k].head &&
			      (!a->holes[i].head || a->holes[i].nbytes < a->holes[k].nbytes)))
			k = i;
	}
	if (a->holes[k].nbytes != nbytes || !a->holes[k].head) {
		a->holes[k].nbytes = nbytes;
		a->holes[k].head = 0;
	}
	*p = a->holes[k].head;
	a->holes[k].head = (uint64_t)((unsigned char *)p - a->base) + 1;
}

/* A block of nbytes, or NULL with *rc_out set (WN_E_LIMIT when the arena
 * cannot hold it). May move every block. */
static uint64_t *arena_alloc(struct wn_arena *a, uint64_t nbytes, int *rc_out)
{
	*rc_out = WN_E_LIMIT;
	if (a->live + nbytes > a->size)
		return NULL;
	uint64_t *hole = hole_take(a, nbytes);
	if (hole) {
		a->live += nbytes;
		*rc_out = 0;
		return hole;
	}
	const uint64_t holes = a->top - a->live;
	const bool few_holes = holes <= a->live / 4 + HOLE_SLACK;
	if (a->top + nbytes > a->cap && holes <= a->live / 16 + HOLE_SLACK &&
	    a->top + nbytes <= a->size) {
		/* Full with hardly a hole: grow in place of a compaction (with
		 * more holes, compact: memory the process touched stays within
		 * a few percent of the live blocks). */
		uint64_t cap = a->cap * 2 > a->top + nbytes ? a->cap * 2 : a->top + nbytes;
		cap = cap < MIN_CAP ? MIN_CAP : cap;
		*rc_out = arena_move(a, cap < a->size ? cap : a->size);
		if (*rc_out)
			return NULL;
		*rc_out = WN_E_LIMIT;
	}
	if (a->top + nbytes > a->cap || !few_holes) {
		*rc_out = reorganize(a, nbytes, false);
		if (*rc_out)
			return NULL;
		*rc_out = WN_E_LIMIT;
		if (a->top + nbytes > a->cap)
			return NULL;
	}
	uint64_t *p = (uint64_t *)(void *)(a->base + a->top);
	a->top += nbytes;
	a->live += nbytes;
	*rc_out = 0;
	return p;
}

static void arena_release(struct wn_arena *a, uint64_t *p, uint64_t nbytes)
{
	a->live -= nbytes;
	if ((unsigned char *)p + nbytes == a->base + a->top)
		a->top -= nbytes;
	else
		hole_put(a, p, nbytes);
}

static uint64_t *slots_alloc(struct wn_seen *s, uint64_t nbytes, int *rc_out)
{
	if (s->arena)
		return arena_alloc(s->arena, nbytes, rc_out);
	*rc_out = WN_E_NOMEM;
	return aligned_alloc(64, (size_t)nbytes);
}

static void slots_free(struct wn_seen *s, uint64_t *p, uint64_t nbytes)
{
	if (!p)
		return;
	if (s->arena)
		arena_release(s->arena, p, nbytes);
	else
		free(p);
}

/* ---- The table ------------------------------------------------------------------- */

static int seg_resize(struct wn_seen *s, struct wn_seen_seg *seg, uint32_t nbuckets)
{
	const size_t nbytes = (size_t)nbuckets * BUCKET * sizeof(uint64_t);
	const size_t old_slots = (size_t)seg->nbuckets * BUCKET;
	if (s->bytes - old_slots * sizeof(uint64_t) + nbytes > s->limit)
		return WN_E_LIMIT;
	struct wn_arena *a = s->arena;
	if (a && seg->slots && s == a->growing && s->bytes >= HOLE_SLACK &&
	    s->count >= a->sweep_count + a->sweep_count / 6) {
		/* Due to grow, and the set grew by a sixth since the last sweep:
		 * the other segments, in step with this one, are near too. */
		const int rc = reorganize(a, 0, true);
		if (rc && rc != WN_E_LIMIT)
			return rc;
		if (seg->nbuckets >= nbuckets)
			return 0;
	}
	int rc;
	uint64_t *slots = slots_alloc(s, nbytes, &rc);
	if (!slots)
		return rc;
	memset(slots, 0, nbytes);
	struct wn_seen_seg grown = { slots, nbuckets, seg->count };
	for (size_t i = 0; i < old_slots; i++)
		if (seg->slots[i])
			*probe(s, &grown, seg->slots[i]) = seg->slots[i];
	s->bytes = s->bytes - old_slots * sizeof(uint64_t) + nbytes;
	slots_free(s, seg->slots, old_slots * sizeof(uint64_t));
	*seg = grown;
	return 0;
}

int wn_seen_insert(struct wn_seen *s, uint64_t h)
{
	const uint64_t fp = wn_seen_fp(h);
	const uint32_t si = wn_seen_seg_of(fp);
	struct wn_seen_seg *seg = &s->segs[si];
	if (!seg->slots) {
		const int rc = seg_resize(s, seg, INIT_BUCKETS);
		if (rc)
			return rc;
	}
	uint64_t *slot = probe(s, seg, fp);
	if (*slot)
		return 0;
	if ((uint64_t)(seg->count + 1) * 10 > (uint64_t)seg->nbuckets * BUCKET * 9) {
		const uint32_t grown = seg->nbuckets * GROW_NUM / GROW_DEN;
		const int rc = seg_resize(s, seg, grown > seg->nbuckets ? grown : seg->nbuckets + 1);
		if (rc)
			return rc;
		slot = probe(s, seg, fp);
	}
	*slot = fp;
	if (seg->count++ == 0)
		s->touched[s->ntouched++] = (uint16_t)si;
	s->count++;
	return 1;
}

bool wn_seen_contains(const struct wn_seen *s, uint64_t h)
{
	const uint64_t fp = wn_seen_fp(h);
	const struct wn_seen_seg *seg = &s->segs[wn_seen_seg_of(fp)];
	return seg->slots && *probe(s, seg, fp) != 0;
}

void wn_seen_clear(struct wn_seen *s)
{
	for (uint32_t i = 0; i < s->ntouched; i++) {
		struct wn_seen_seg *seg = &s->segs[s->touched[i]];
		memset(seg->slots, 0, (size_t)seg->nbuckets * BUCKET * sizeof(uint64_t));
		seg->count = 0;
	}
	s->ntouched = 0;
	s->count = 0;
}

void wn_seen_free(struct wn_seen *s)
{
	if (s->segs)
		for (uint32_t i = 0; i < WN_SEEN_SEGS; i++)
			slots_free(s, s->segs[i].slots,
				   (uint64_t)s->segs[i].nbuckets * BUCKET * sizeof(uint64_t));
	free(s->segs);
	free(s->touched);
	memset(s, 0, sizeof(*s));
}

/* ---- Bulk loading and export ---------------------------------------------- */

static uint32_t fill_buckets(uint32_t n)
{
	/* Sized for a load of 0.8, inside the band that growth keeps. */
	const uint32_t nbuckets = (uint32_t)(((uint64_t)n * 5 + 31) / 32);
	return nbuckets < INIT_BUCKETS ? INIT_BUCKETS : nbuckets;
}

uint64_t wn_seen_fill_bytes(uint32_t n)
{
	return n ? (uint64_t)fill_buckets(n) * BUCKET * sizeof(uint64_t) : 0;
}

int wn_seen_seg_alloc(struct wn_seen *s, uint32_t si, uint32_t nbuckets)
{
	struct wn_seen_seg *seg = &s->segs[si];
	if (seg->count || seg->slots || nbuckets == 0)
		return WN_E_STATE_CORRUPT;
	return seg_resize(s, seg, nbuckets);
}

int wn_seen_fill_seg(struct wn_seen_fill *fl, struct wn_seen *s, uint32_t si, uint32_t n)
{
	memset(fl, 0, sizeof(*fl));
	fl->set = s;
	fl->si = si;
	if (n == 0)
		return 0;
	struct wn_seen_seg *seg = &s->segs[si];
	if (seg->count)
		return WN_E_STATE_CORRUPT;
	const uint32_t nbuckets = fill_buckets(n);
	if (nbuckets > seg->nbuckets) {
		const int rc = seg_resize(s, seg, nbuckets);
		if (rc)
			return rc;
	}
	fl->seg = seg;
	fl->left = n;
	return 0;
}

/* Places fingerprints in bucket order: each goes to the first free slot at or
 * after its home bucket, which is where probe() looks for it, because every
 * slot between its home and its place is already filled. The few that run
 * past the last bucket wrap around through probe(). */
int wn_seen_fill_put(struct wn_seen_fill *fl, uint64_t fp)
{
	struct wn_seen_seg *seg = fl->seg;
	const uint64_t key = wn_seen_canon(fp);
	if (!seg || !fl->left || fp == 0 || wn_seen_seg_of(fp) != fl->si || key <= fl->last)
		return WN_E_STATE_CORRUPT;
	fl->last = key;
	const size_t nslots = (size_t)seg->nbuckets * BUCKET;
	size_t pos = (size_t)wn_seen_bucket_of(fp, seg->nbuckets) * BUCKET;
	if (pos < fl->next)
		pos = fl->next;
	if (pos < nslots) {
		seg->slots[pos] = fp;
		fl->next = pos + 1;
	} else {
		*probe(fl->set, seg, fp) = fp;
	}
	struct wn_seen *s = fl->set;
	if (seg->count++ == 0)
		s->touched[s->ntouched++] = (uint16_t)fl->si;
	s->count++;
	fl->left--;
	return 0;
}

static int cmp_canon(const void *a, const void *b)
{
	const uint64_t x = wn_seen_canon(*(const uint64_t *)a);
	const uint64_t y = wn_seen_canon(*(const uint64_t *)b);
	return (x > y) - (x < y);
}

/* Slots are nearly in canonical order already (home buckets rise with the
 * low bits), so an insertion sort usually wins; past a budget of moves (an
 * unusual segment) qsort finishes the job. */
static void sort_canon(uint64_t *v, uint32_t n)
{
	uint64_t budget = (uint64_t)n * 16;
	for (uint32_t i = 1; i < n; i++) {
		const uint64_t x = v[i];
		const uint64_t kx = wn_seen_canon(x);
		uint32_t j = i;
		while (j > 0 && wn_seen_canon(v[j - 1]) > kx) {
			v[j] = v[j - 1];
			j--;
			if (--budget == 0) {
				v[j] = x;
				qsort(v, n, sizeof(*v), cmp_canon);
				return;
			}
		}
		v[j] = x;
	}
}

uint32_t wn_seen_export_seg(const struct wn_seen *s, uint32_t si, uint64_t *out)
{
	const struct wn_seen_seg *seg = &s->segs[si];
	uint32_t n = 0;
	const size_t nslots = (size_t)seg->nbuckets * BUCKET;
	for (size_t i = 0; i < nslots && n < seg->count; i++)
		if (seg->slots[i])
			out[n++] = seg->slots[i];
	sort_canon(out, n);
	return n;
}

uint32_t wn_seen_max_seg(const struct wn_seen *s)
{
	uint32_t max = 0;
	for (uint32_t i = 0; i < s->ntouched; i++)
		if (s->segs[s->touched[i]].count > max)
			max = s->segs[s->touched[i]].count;
	return max;
}

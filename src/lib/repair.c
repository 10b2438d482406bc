/* repair.c - character and encoding repairs of one line. */
#include <string.h>

#include "internal.h"

int wn_repair_init(struct wn_repair *r, const struct wn_options *opt)
{
	memset(r, 0, sizeof(*r));
	r->off = (uint32_t)opt->repair_off;
	return 0;
}

int wn_repair_push(struct wn_repair *r, struct wn_line *line, uint32_t *fired_out)
{
	(void)r;
	(void)line;
	*fired_out = 0;
	return 0;
}

const char *wn_repair_char_rule_name(unsigned bit)
{
	(void)bit;
	return NULL;
}

void wn_repair_free(struct wn_repair *r)
{
	wn_buf_free(&r->scratch);
}

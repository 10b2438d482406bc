/* punct.c - punctuation repairs of one line. */
#include <string.h>

#include "internal.h"

int wn_punct_init(struct wn_punct *p, const struct wn_options *opt)
{
	memset(p, 0, sizeof(*p));
	p->off = (uint32_t)(opt->repair_off >> 32);
	return 0;
}

int wn_punct_push(struct wn_punct *p, struct wn_line *line, uint32_t *fired_out)
{
	(void)p;
	(void)line;
	*fired_out = 0;
	return 0;
}

const char *wn_punct_rule_name(unsigned bit)
{
	(void)bit;
	return NULL;
}

void wn_punct_free(struct wn_punct *p)
{
	wn_buf_free(&p->scratch);
}

/* statefile.h - the program's side of saved state: --state loading and
 * saving with messages that name what is wrong, and `winnow state`. */
#ifndef WN_CLI_STATEFILE_H
#define WN_CLI_STATEFILE_H

#include <stdbool.h>

#include "io.h"
#include "winnow.h"

/* Loads path into f. A missing file is fine unless must_exist (a first
 * run). 0, or -1 with a message printed. */
int cli_state_load(struct wn_filter *f, const char *path, const struct wn_options *opt,
		   bool must_exist);

/* Writes f's state to a temporary file beside path and syncs it; the
 * caller commits or aborts *out. 0, or -1 with a message printed. */
int cli_state_write(const struct wn_filter *f, const char *path, struct cli_file *out);

/* `winnow state info FILE...` and `winnow state merge FILE... -o OUT`:
 * argv[0] is "state". Returns the exit code. */
int cli_state_main(int argc, char **argv);

#endif

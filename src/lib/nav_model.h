/* nav_model.h - weights of the --strip-nav line model, written by
 * bench/nav_train.py --write-model (doc/nav.md); do not edit by hand. */
#ifndef WN_NAV_MODEL_H
#define WN_NAV_MODEL_H

#define WN_NAV_NF1 43
#define WN_NAV_NF2 21

static const float wn_nav_w1[WN_NAV_NF1] = { -6.64196f, 0.40612f, 1.34006f, 0.365464f, 0.534703f, -0.338789f, 0.379003f, -0.598482f, -0.931636f, -0.503023f, 0.141815f, 0.286785f, -0.758621f, -0.072235f, 0.634972f, -0.641866f, 0.22717f, 0.505172f, -0.274653f, 0.416406f, 0.51831f, -0.300841f, 0.0919428f, 1.25801f, 1.37541f, 0.149245f, 0.0362833f, 0.917913f, 1.2839f, -1.6854f, 0.205573f, 1.71168f, 1.05705f, -0.146343f, 3.41842f, -0.464523f, -0.457204f, -0.299553f, -0.334632f, -0.128159f, -0.992235f, -0.279903f, -0.394386f };
static const float wn_nav_w2[WN_NAV_NF2] = { -6.65356f, 3.05697f, 1.20581f, 0.957635f, 1.25155f, 0.496683f, 0.278264f, 0.176182f, 0.860265f, 0.786122f, -0.0482665f, 0.302872f, 0.631402f, 0.687057f, 0.295422f, 0.0211782f, 0.469987f, -0.0443144f, 1.02412f, 0.953449f, -0.317613f };
/* the smoothing's transitions: junk to text, text to junk */
#define WN_NAV_TO_TEXT 0.0647728
#define WN_NAV_TO_JUNK 0.166109

#endif

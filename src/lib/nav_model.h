/* nav_model.h - weights of the --strip-nav line model, written by
 * bench/nav_train.py --write-model (doc/nav.md); do not edit by hand. */
#ifndef WN_NAV_MODEL_H
#define WN_NAV_MODEL_H

#define WN_NAV_NF1 43
#define WN_NAV_NF2 17

static const float wn_nav_w1[WN_NAV_NF1] = { -6.64196f, 0.40612f, 1.34006f, 0.365464f, 0.534703f, -0.338789f, 0.379003f, -0.598482f, -0.931636f, -0.503023f, 0.141815f, 0.286785f, -0.758621f, -0.072235f, 0.634972f, -0.641866f, 0.22717f, 0.505172f, -0.274653f, 0.416406f, 0.51831f, -0.300841f, 0.0919428f, 1.25801f, 1.37541f, 0.149245f, 0.0362833f, 0.917913f, 1.2839f, -1.6854f, 0.205573f, 1.71168f, 1.05705f, -0.146343f, 3.41842f, -0.464523f, -0.457204f, -0.299553f, -0.334632f, -0.128159f, -0.992235f, -0.279903f, -0.394386f };
static const float wn_nav_w2[WN_NAV_NF2] = { -4.67707f, 3.01459f, 1.05871f, 0.747654f, 1.13773f, 0.399921f, 0.270402f, 0.0228808f, 0.816116f, 0.544984f, 0.0871387f, 0.479925f, 0.877329f, 0.778268f, 0.23004f, -0.214109f, 0.512484f };

#endif

/* nav_model.h - weights of the --strip-nav line model, written by
 * bench/nav_train.py --write-model (doc/nav.md); do not edit by hand. */
#ifndef WN_NAV_MODEL_H
#define WN_NAV_MODEL_H

#define WN_NAV_NF1 43
#define WN_NAV_NF2 21

static const float wn_nav_w1[WN_NAV_NF1] = { -6.64196f, 0.40612f, 1.34006f, 0.365464f, 0.534703f, -0.338789f, 0.379003f, -0.598482f, -0.931636f, -0.503023f, 0.141815f, 0.286785f, -0.758621f, -0.072235f, 0.634972f, -0.641866f, 0.22717f, 0.505172f, -0.274653f, 0.416406f, 0.51831f, -0.300841f, 0.0919428f, 1.25801f, 1.37541f, 0.149245f, 0.0362833f, 0.917913f, 1.2839f, -1.6854f, 0.205573f, 1.71168f, 1.05705f, -0.146343f, 3.41842f, -0.464523f, -0.457204f, -0.299553f, -0.334632f, -0.128159f, -0.992235f, -0.279903f, -0.394386f };
static const float wn_nav_w2[WN_NAV_NF2] = { -6.43563f, 3.1679f, 1.1246f, 0.811687f, 0.91184f, 0.410356f, 0.236041f, 0.152006f, 0.835077f, 0.899007f, 0.0201057f, 0.276143f, 0.341486f, 0.639162f, 0.427463f, 0.309516f, 0.706163f, -0.161653f, 1.12906f, 0.922183f, -0.347136f };
#define WN_NAV_NG 4
/* the gate on pages with a title: bias, the first stage's z, lines after
 * the title, before it */
static const float wn_nav_wg[WN_NAV_NG] = { 0.520717f, 0.999109f, -1.15851f, -1.73466f };
/* the smoothing's transitions: junk to text, text to junk */
#define WN_NAV_TO_TEXT 0.0647728
#define WN_NAV_TO_JUNK 0.166109

#endif

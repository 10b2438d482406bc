/* nav_model.h - weights of the --strip-nav line model, written by
 * bench/nav_train.py --write-model (doc/nav.md); do not edit by hand. */
#ifndef WN_NAV_MODEL_H
#define WN_NAV_MODEL_H

#define WN_NAV_NF1 43
#define WN_NAV_NF2 24

static const float wn_nav_w1[WN_NAV_NF1] = { -6.64196f, 0.40612f, 1.34006f, 0.365464f, 0.534703f, -0.338789f, 0.379003f, -0.598482f, -0.931636f, -0.503023f, 0.141815f, 0.286785f, -0.758621f, -0.072235f, 0.634972f, -0.641866f, 0.22717f, 0.505172f, -0.274653f, 0.416406f, 0.51831f, -0.300841f, 0.0919428f, 1.25801f, 1.37541f, 0.149245f, 0.0362833f, 0.917913f, 1.2839f, -1.6854f, 0.205573f, 1.71168f, 1.05705f, -0.146343f, 3.41842f, -0.464523f, -0.457204f, -0.299553f, -0.334632f, -0.128159f, -0.992235f, -0.279903f, -0.394386f };
static const float wn_nav_w2[WN_NAV_NF2] = { -5.71511f, 3.2458f, 1.07868f, 0.599898f, 0.424344f, 0.394421f, 0.245781f, 0.15963f, 0.72772f, 0.811431f, 0.0586019f, 0.255068f, 0.338563f, 0.58404f, 0.340177f, 0.0562746f, 0.749086f, -0.0272346f, 1.29573f, 0.827754f, 0.0686394f, -0.863142f, -0.689562f, -1.09995f };
#define WN_NAV_NG 4
/* the gate on pages with a title: bias, the first stage's z, lines after
 * the title, before it */
static const float wn_nav_wg[WN_NAV_NG] = { 0.520717f, 0.999109f, -1.15851f, -1.73466f };
/* the smoothing's transitions: junk to text, text to junk */
#define WN_NAV_TO_TEXT 0.0647728
#define WN_NAV_TO_JUNK 0.166109

#endif

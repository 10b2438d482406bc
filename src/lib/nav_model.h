/* nav_model.h - weights of the --strip-nav line model, written by
 * bench/nav_train.py --write-model (doc/nav.md); do not edit by hand. */
#ifndef WN_NAV_MODEL_H
#define WN_NAV_MODEL_H

#define WN_NAV_NF1 43
#define WN_NAV_NF2 24

static const float wn_nav_w1[WN_NAV_NF1] = { -6.64165f, 0.403466f, 1.33999f, 0.364867f, 0.53486f, -0.343619f, 0.374015f, -0.603155f, -0.931322f, -0.504422f, 0.137257f, 0.289544f, -0.762536f, -0.0723697f, 0.631472f, -0.642833f, 0.230051f, 0.505265f, -0.273536f, 0.417723f, 0.516406f, -0.30023f, 0.0715413f, 1.26267f, 1.39975f, 0.148405f, 0.0361647f, 0.91891f, 1.28628f, -1.68236f, 0.206291f, 1.72098f, 1.05976f, -0.14841f, 3.41214f, -0.464901f, -0.457882f, -0.299215f, -0.335857f, -0.128588f, -0.991499f, -0.280504f, -0.395756f };
static const float wn_nav_w2[WN_NAV_NF2] = { -5.67873f, 3.24673f, 1.08217f, 0.597694f, 0.410624f, 0.399471f, 0.250639f, 0.155547f, 0.725466f, 0.801826f, 0.0503854f, 0.247378f, 0.332623f, 0.573456f, 0.331725f, 0.0658203f, 0.73209f, -0.0324419f, 1.29988f, 0.812098f, 0.0826845f, -0.885622f, -0.684751f, -1.12855f };
#define WN_NAV_NG 4
/* the gate on pages with a title: bias, the first stage's z, lines after
 * the title, before it */
static const float wn_nav_wg[WN_NAV_NG] = { 0.52358f, 0.999621f, -1.16301f, -1.73771f };
/* the smoothing's transitions: junk to text, text to junk */
#define WN_NAV_TO_TEXT 0.064787
#define WN_NAV_TO_JUNK 0.166109

#endif

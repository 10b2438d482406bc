/* nav_model.h - weights of the --strip-nav line model, written by
 * bench/nav_train.py --write-model (doc/nav.md); do not edit by hand. */
#ifndef WN_NAV_MODEL_H
#define WN_NAV_MODEL_H

#define WN_NAV_NF1 33
#define WN_NAV_NF2 10

static const float wn_nav_w1[WN_NAV_NF1] = { -8.4155f, 0.505659f, 1.54396f, 0.56027f, 0.39597f, -0.500362f, 0.0679952f, -1.23505f, -0.860001f, -0.582137f, 0.0706841f, 0.236968f, -0.749113f, -0.059416f, 0.784493f, -0.61544f, 0.172397f, 0.608492f, -0.199556f, 0.428146f, 0.038313f, -0.538377f, 0.0657834f, 1.74975f, 1.51336f, 0.303677f, 0.110769f, 1.0369f, 1.75681f, 0.219947f, 0.423928f, 1.24199f, 0.86995f };
static const float wn_nav_w2[WN_NAV_NF2] = { -4.02953f, 3.18454f, 0.793731f, 0.130389f, 0.242661f, 0.248793f, 0.179265f, -0.0388922f, 1.66213f, 0.766774f };

#endif

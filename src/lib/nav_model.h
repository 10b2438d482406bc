/* nav_model.h - weights of the --strip-nav line model, written by
 * bench/nav_train.py --write-model (doc/nav.md); do not edit by hand. */
#ifndef WN_NAV_MODEL_H
#define WN_NAV_MODEL_H

#define WN_NAV_NF1 35
#define WN_NAV_NF2 10

static const float wn_nav_w1[WN_NAV_NF1] = { -6.95029f, 0.341818f, 1.298f, 0.547792f, 0.439733f, -0.265501f, 0.257287f, -0.89877f, -0.999893f, -0.608033f, 0.141924f, 0.371429f, -0.735674f, -0.140953f, 0.688668f, -0.671683f, 0.207121f, 0.530738f, -0.287864f, 0.453607f, 0.445812f, -0.323212f, 0.0486293f, 1.2863f, 1.25345f, 0.19319f, 0.0694278f, 0.943772f, 1.35845f, -1.40374f, 0.177574f, 1.65618f, 1.0383f, -0.0900926f, 2.92991f };
static const float wn_nav_w2[WN_NAV_NF2] = { -3.5937f, 3.00383f, 0.960589f, 0.562942f, 0.963591f, 0.329224f, 0.214112f, 0.114797f, 0.724343f, 0.16577f };

#endif

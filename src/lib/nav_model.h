/* nav_model.h - weights of the --strip-nav line model, written by
 * bench/nav_train.py --write-model (doc/nav.md); do not edit by hand. */
#ifndef WN_NAV_MODEL_H
#define WN_NAV_MODEL_H

#define WN_NAV_NF1 43
#define WN_NAV_NF2 24

static const float wn_nav_w1[WN_NAV_NF1] = { -6.64264f, 0.403539f, 1.34063f, 0.364083f, 0.535316f, -0.343443f, 0.374261f, -0.603056f, -0.931303f, -0.504513f, 0.136911f, 0.289652f, -0.762643f, -0.0728007f, 0.630728f, -0.642767f, 0.22975f, 0.50526f, -0.273666f, 0.417333f, 0.516752f, -0.300399f, 0.0717996f, 1.26325f, 1.40013f, 0.147414f, 0.0360956f, 0.919279f, 1.28653f, -1.68248f, 0.206449f, 1.72062f, 1.05983f, -0.148047f, 3.41246f, -0.464811f, -0.457808f, -0.29922f, -0.335289f, -0.128537f, -0.991588f, -0.280461f, -0.39587f };
static const float wn_nav_w2[WN_NAV_NF2] = { -5.67874f, 3.24845f, 1.07979f, 0.598472f, 0.411357f, 0.396884f, 0.249134f, 0.157504f, 0.726501f, 0.801891f, 0.0501976f, 0.247495f, 0.332892f, 0.573348f, 0.331669f, 0.0659406f, 0.732454f, -0.0323999f, 1.29974f, 0.81182f, 0.082451f, -0.885883f, -0.683754f, -1.12863f };
#define WN_NAV_NG 4
/* the gate on pages with a title: bias, the first stage's z, lines after
 * the title, before it */
static const float wn_nav_wg[WN_NAV_NG] = { 0.523347f, 0.999616f, -1.16282f, -1.73745f };
/* the smoothing's transitions: junk to text, text to junk */
#define WN_NAV_TO_TEXT 0.064787
#define WN_NAV_TO_JUNK 0.16612

#endif

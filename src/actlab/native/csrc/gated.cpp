// The gated family's elementwise kernels (activations/gated.py): x * gate(x), SiLU, Swish, QuickGELU,
// GELU (exact and tanh), Mish, Hardswish, SmoothHardswish, SERF, HardMish; the split gates SwiGLU
// and GeGLU (a split gate is instantiated beside its gate: GLU's in sigmoidal.cpp, ReGLU's in
// rectifier.cpp).
//
// Where a declaration computes float32 in float64 (GELU, QuickGELU, Mish, SmoothHardswish, SERF),
// the float32 kernel stays in float32 and corrects instead what float64 was there for: the
// rounding of the gate's argument (z = 1.702 x, x / sqrt 2, sqrt(2/pi)(x + 0.044715 x^3)), which
// the tail amplifies |z| times, is carried as z_hi + z_lo and put back to first order.
#include "act.h"
#include "elementwise_impl.h"
#include "scaled.h"
#include "split_gate_impl.h"
#include "gelu.h"
#include "lookup.h"
#include "parametric_impl.h"
#include "trig.h"
#include "swish.h"

namespace actlab {

inline constexpr double kQuickBeta = 1.702;

// x sigma(x);  f' = sigma + x sigma';  f'' = sigma'(x)(2 - x tanh(x/2))
template <class V>
struct SiLU : Act<V> {
  ACTLAB_INLINE V f(V x) const { return swish_f(x, V(1), nullptr, Scalar<V>(kExpUnderflow)); }
  ACTLAB_INLINE V df(V x) const { return swish_df(x); }
  ACTLAB_INLINE V d2f(V x) const { return swish_d2f(x); }
};

// x sigma(beta x)
template <class V>
struct Swish : Act<V> {
  V beta;
  Scalar<V> bound;
  explicit Swish(double b) : beta(this->c(b)), bound(static_cast<Scalar<V>>(kExpUnderflow / std::max(std::abs(b), 1e-30))) {}
  ACTLAB_INLINE V f(V x) const { return swish_f(x, beta, nullptr, bound); }
  ACTLAB_INLINE V df(V x) const { return swish_df(beta * x); }
  ACTLAB_INLINE V d2f(V x) const { return swish_d2f(beta * x, &beta); }
};

// x sigma(1.702 x); float32: z = 1.702 x carried as hi + lo (1.702 itself is not a float)
template <class V>
struct QuickGELU : Act<V> {
  V beta = this->c(kQuickBeta);
  V beta_lo = this->c(kQuickBeta - static_cast<double>(static_cast<Scalar<V>>(kQuickBeta)));
  ACTLAB_INLINE V z_lo(V x) const {  // the rounding of 1.702 x (x clamped: no inf - inf)
    const V xc = clamp(x, V(-1000), V(1000));
    return fma(beta, xc, (beta * xc).neg()) + beta_lo * xc;
  }
  ACTLAB_INLINE V f(V x) const {
    const Scalar<V> bound(kExpUnderflow / kQuickBeta);
    if constexpr (is_float<V>) {
      const V lo = z_lo(x);
      return swish_f(x, beta, &lo, bound);
    }
    return swish_f(x, beta, nullptr, bound);
  }
  ACTLAB_INLINE V df(V x) const {
    if constexpr (is_float<V>) {
      const V lo = z_lo(x);
      return swish_df(beta * x, &lo);
    }
    return swish_df(beta * x);
  }
  ACTLAB_INLINE V d2f(V x) const { return swish_d2f(beta * x, &beta); }
};

// x Phi(x) (exact) or x sigma(2u), u = sqrt(2/pi)(x + 0.044715 x^3) (tanh); see gelu.h
template <class V>
struct GELU : Act<V> {
  bool tanh_form;
  explicit GELU(c10::string_view approximate) : tanh_form(approximate == "tanh") {
    TORCH_CHECK(tanh_form || approximate == "none", "approximate must be 'none' or 'tanh', got ", approximate);
  }
  ACTLAB_INLINE V f(V x) const { return tanh_form ? gelu_tanh_f(x) : gelu_f(x); }
  ACTLAB_INLINE V df(V x) const { return tanh_form ? gelu_tanh_df(x) : gelu_df(x); }
  ACTLAB_INLINE V d2f(V x) const { return tanh_form ? gelu_tanh_d2f(x) : gelu_d2f(x); }
};

// tanh(softplus x) = t and 1 - t^2 without cancellation (_mish_parts): e = exp(-|x|),
// t = n/(n + 2) with n = e(e + 2) for x <= 0, (1 + 2e)/(1 + 2e + 2e^2) above
template <class V>
ACTLAB_INLINE std::pair<V, V> mish_parts(const V& x) {
  const V one(1), two(2), e = vexp(x.abs().neg());
  const V neg = x <= zero<V>(), n = e * (e + two), d_pos = one + two * e + two * e * e;
  const V t = sel(neg, n / (n + two), (one + two * e) / d_pos);
  const V one_minus_t = sel(neg, two / (n + two), two * e * e / d_pos);
  return {t, one_minus_t * (one + t)};
}

// x tanh(softplus x);  f' = t + x sigma(x)(1 - t^2);  f'' = 2s + x(1 - t^2)(sigma' - 2 t sigma^2)
template <class V>
struct Mish : Act<V> {
  ACTLAB_INLINE V f(V x) const {
    const V xc = at::vec::clamp_min(x, V(-kExpUnderflow));
    const V near = xc * mish_parts(x).first, tail = xc < V(kTail);
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(xc, sel(tail, xc, zero<V>())), near);
  }
  ACTLAB_INLINE V df(V x) const {
    const V one(1), four(4);
    const auto [t, sech2] = mish_parts(x);
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), xn = min0(xc), e = vexp(xn);
    const V d = e * (e + V(2)) + V(2);
    const V neg = e * (four * (one + xn) + e * ((four * xn + V(6)) + e * (four + e))) / (d * d);
    const V near = sel(xc <= zero<V>(), neg, t + xc * sigmoid(x) * sech2), tail = xc < V(kTail);
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(one + xc, sel(tail, xc, zero<V>())), near);
  }
  ACTLAB_INLINE V d2f(V x) const {
    const auto [t, sech2] = mish_parts(x);
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), sg = sigmoid(x);
    return V(2) * (sg * sech2) + xc * sech2 * (sigmoid_prime(xc) - V(2) * t * sg * sg);
  }
};

// 0 below -3, x above 3, x (x + 3) / 6 between;  f' = (2x + 3)/6 on (-3, 3) (0 at -3, 1 at 3)
template <class V>
struct Hardswish : Cheap<V> {
  ACTLAB_INLINE V f(V x) const { return sel(x <= V(-3), zero<V>(), sel(x >= V(3), x, x * (x + V(3)) / V(6))); }
  ACTLAB_INLINE V df(V x) const { return sel(x <= V(-3), zero<V>(), sel(x < V(3), (V(2) * x + V(3)) / V(6), V(1))); }
  ACTLAB_INLINE V d2f(V x) const { return sel((x > V(-3)) & (x < V(3)), this->c(1.0 / 3.0), zero<V>()); }
};

// x (x + 3)^2 (6 - x) / 108 on (-3, 3), max(0, x) outside
template <class V>
struct SmoothHardswish : Cheap<V> {
  ACTLAB_INLINE V f(V x) const {
    const V inner = (x > V(-3)) & (x < V(3)), xi = sel(inner, x, zero<V>());
    const V a = xi + V(3);
    return sel(inner, ((xi * (a * a)) * (V(6) - xi)) / V(108), max0(x));
  }
  ACTLAB_INLINE V df(V x) const {
    const V inner = (x > V(-3)) & (x < V(3)), xi = sel(inner, x, zero<V>());
    const V q = (V(18) + V(12) * xi) - (V(4) * xi) * xi;
    return sel(inner, ((xi + V(3)) * q) / V(108), sel(x >= V(3), V(1), zero<V>()));
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V inner = (x > V(-3)) & (x < V(3));
    return sel(inner, (V(54) - (V(12) * x) * x) / V(108), zero<V>());
  }
};

// f = x/2 min(max(x + 2, 0), 2): 0 below -2, x (x + 2) / 2 on [-2, 0], x above
template <class V>
struct HardMish : Cheap<V> {
  ACTLAB_INLINE V f(V x) const {
    const V inner = sel(x <= V(-2), zero<V>(), min0(x));  // NaN stays NaN
    return sel(x >= zero<V>(), x, (V(0.5) * inner) * (inner + V(2)));
  }
  ACTLAB_INLINE V df(V x) const {
    const V inner = (x >= V(-2)) & (x <= zero<V>());
    return sel(inner, x + V(1), sel(x > zero<V>(), V(1), zero<V>()));
  }
  ACTLAB_INLINE V d2f(V x) const { return sel((x >= V(-2)) & (x <= zero<V>()), V(1), zero<V>()); }
};

// f' near a zero x0 = hi + lo of it where its float32 sum cancels: f'(x0 + d) = d P(d) for |d| < half_width
// (P fitted by python -m actlab.native.fits, error <= 0.7 ulp); elsewhere `near` (float64: `near`)
template <class V, std::size_t N>
ACTLAB_INLINE V slope_near_zero(const V& x, const V& near, float hi, float lo, const float (&p)[N],
                                  float half_width = 0.8f) {
  if constexpr (is_float<V>) {
    const V d = (x - V(hi)) - V(lo), zone = d.abs() < V(half_width);
    if (any(zone)) return sel(zone, d * horner(d, p), near);
  }
  return near;
}

// SERF' = 0 at x0 = kSerfZeroHi + kSerfZeroLo; SERF'(x0 + d) = d P(d), |d| <= 0.4 (fit error
// 0.51 ulp; python -m actlab.native.fits): the float32 sum erf(p) + x erf'(p) sigma(x) cancels
// there (15 ulps at x = -1.4; <= 8 outside the window)
inline constexpr float kSerfZeroHi = -1.1930599212646484f, kSerfZeroLo = -4.76635395596503e-08f;
inline constexpr float kSerfSlopeZero[] = {0.30150488018989563f,   0.2316121906042099f,    0.04754694178700447f,
                                           -0.023333244025707245f, -0.018739499151706696f, -0.004539666697382927f,
                                           0.0010444415966048837f, 0.001108782016672194f};
// log1p e = e (1 + e P(e)), 0 <= e <= 1, two degrees below accurate.h's (fit error 0.56 ulp; p's error reaches
// SERF damped: p erf'(p) / erf(p) <= 1)
inline constexpr float kSerfLog1p[] = {-0.49999648332595825f, 0.33321329951286316f,   -0.24857217073440552f,
                                       0.1915384829044342f,   -0.13754187524318695f,   0.07920882850885391f,
                                       -0.030068300664424896f, 0.005365422461181879f};
// erfc p = P(p - 2.46), 1 <= p <= 3.92 (erf p = 1 in float32 beyond), fit error 0.53 ulp of erf p
// (python -m actlab.native.fits: kSerfErfcMid)
inline constexpr float kSerfErfcMid[] = {
    0.000503324787132442f,  -0.002656187629327178f,   0.006535839289426804f,   -0.009833061136305332f,
    0.009904369711875916f,  -0.006797454319894314f,   0.002964500105008483f,   -0.0004624095163308084f,
    -0.00039208942325785756f, 0.0003018015413545072f, -5.124365634401329e-05f, -2.544394737924449e-05f,
    9.055195732798893e-06f};

// erf(u) / (2u/sqrt pi) = 1 + v P(v), v = u^2 <= 1: P of degree 5 fitted in the relative error of 1 + v P (weighted
// least squares on Chebyshev nodes against mpmath, coefficients rounded to float: 0.12 ulp; the Taylor series
// sum_n (-1)^n v^n / (n! (2n + 1)) needs 11 terms)
inline constexpr float kErfOverU[] = {-0.33333325386047363f, 0.09999840706586838f,    -0.023799346759915352f,
                                      0.004599280189722776f, -0.0007108500576578081f, 6.989236135268584e-05f};
inline const Vf kTwoOverSqrtPiHi(1.128379225730896f), kTwoOverSqrtPiLo(-5.8635383e-08f);  // 2/sqrt pi = hi + lo

// SERF's table (python -m actlab.native.fits: PIECEWISE): x = c_j + u, c_j = -9.1875 + 0.875 j the centres of 16
// intervals of 7/8 on [-9.625, 4.375), |u| <= 0.4375
// erf(softplus x) = P_j(x - c_j) on [-9.625, 4.375), 16 intervals, degree 7 (fit error 0.632 ulp)
inline constexpr float kSerfGate[][16] = {
    {0.00011543893197085708f, 0.0002769037673715502f, 0.0006641435902565718f, 0.0015925413463264704f, 0.003816531738266349f, 0.009133651852607727f, 0.021785466000437737f, 0.051542118191719055f, 0.11953799426555634f, 0.2639358937740326f, 0.5188590288162231f, 0.8142268061637878f, 0.9717088341712952f, 0.9988212585449219f, 0.9999889731407166f, 1.0f},
    {0.00011543302389327437f, 0.00027686977409757674f, 0.0006639480125159025f, 0.0015914159594103694f, 0.0038100555539131165f, 0.009096386842429638f, 0.021571120247244835f, 0.05031173303723335f, 0.11254944652318954f, 0.2260790914297104f, 0.34542134404182434f, 0.28571388125419617f, 0.08024418354034424f, 0.005262000020593405f, 6.869075878057629e-05f, 1.7563354504090967e-07f},
    {5.771035284851678e-05f, 0.0001384019124088809f, 0.00033177834120579064f, 0.0007945858524180949f, 0.001898542745038867f, 0.004510945174843073f, 0.01057137455791235f, 0.02392899990081787f, 0.049390487372875214f, 0.07764030247926712f, 0.03744109719991684f, -0.10639253258705139f, -0.08954605460166931f, -0.010586530901491642f, -0.00020396820036694407f, -2.7184601094631944e-06f},
    {1.9232760678278282e-05f, 4.611225813277997e-05f, 0.00011046265717595816f, 0.0002641131868585944f, 0.0006285251583904028f, 0.0014788296539336443f, 0.0033811451867222786f, 0.007163188420236111f, 0.012004501186311245f, 0.0050888024270534515f, -0.04241758957505226f, -0.0413493774831295f, 0.04084518924355507f, 0.012338402681052685f, 0.00037327458267100155f, 1.6960882476269035e-06f},
    {4.809745860256953e-06f, 1.1502215784275904e-05f, 2.7551552193472162e-05f, 6.560593465110287e-05f, 0.00015509904187638313f, 0.0003571106935851276f, 0.0007735085673630238f, 0.0013907377142459154f, 0.0008917783852666616f, -0.006829382851719856f, -0.0167232658714056f, 0.024295305833220482f, 0.004661016631871462f, -0.008699106052517891f, -0.0004559103399515152f, 2.525785930629354e-05f},
    {9.632535693526734e-07f, 2.2824781353847357e-06f, 5.482861979544396e-06f, 1.2941443856107071e-05f, 3.0248857001424767e-05f, 6.624336674576625e-05f, 0.0001259611890418455f, 0.00012190322740934789f, -0.0005796151235699654f, -0.003193183336406946f, 0.0021755844354629517f, 0.009495222009718418f, -0.011802028864622116f, 0.003113035811111331f, 0.00044399278704077005f, 4.1032226363313384e-06f},
    {1.483112868072567e-07f, 4.327710882989777e-07f, 9.047653861671279e-07f, 2.283558615090442e-06f, 4.3127924982400145e-06f, 1.0052767720480915e-05f, 1.3584807675215416e-05f, -3.787445166381076e-05f, -0.0003000567085109651f, -0.0004465660604182631f, 0.003145730821415782f, -0.004028503317385912f, 0.0017319368198513985f, 0.0004125885316170752f, -0.0003830248606391251f, -0.00010330401710234582f},
    {1.2518221126356366e-08f, 1.0854600418497284e-07f, 1.2836754592626676e-07f, 4.2824464685509156e-07f, 1.822667456963245e-07f, 1.6829371816129424e-06f, 8.188021638488863e-07f, -2.2787240595789626e-05f, -7.275409006979316e-05f, 0.00016358980792574584f, 0.0005746462265960872f, -0.0020410341676324606f, 0.0020938129164278507f, -0.0008632821845822036f, 0.0001358405133942142f, 4.612851626006886e-06f},
};
// SERF'(x) / (x - x0) = P_j(x - c_j) on [-9.625, 4.375), 16 intervals, degree 7 (fit error 1.398 ulp)
inline constexpr float kSerfSlope[][16] = {
    {0.0001182199121103622f, 0.00028437297441996634f, 0.0006844440358690917f, 0.0016484262887388468f, 0.003972276579588652f, 0.009571290574967861f, 0.023010456934571266f, 0.05484934523701668f, 0.1273721158504486f, 0.2745554745197296f, 0.4867081642150879f, 0.5760147571563721f, 0.4298557639122009f, 0.2988652288913727f, 0.2350335419178009f, 0.19491063058376312f},
    {0.00011855568300234154f, 0.00028535228921100497f, 0.0006872917874716222f, 0.0016565024852752686f, 0.003993420861661434f, 0.009613708592951298f, 0.022998297587037086f, 0.053915489464998245f, 0.11901827156543732f, 0.21937866508960724f, 0.22681565582752228f, -0.05990733206272125f, -0.20132294297218323f, -0.09899541735649109f, -0.05548883229494095f, -0.037991102784872055f},
    {5.948252146481536e-05f, 0.0001432761928299442f, 0.00034537259489297867f, 0.0008329395204782486f, 0.002007395261898637f, 0.004815977532416582f, 0.011377104558050632f, 0.025644544512033463f, 0.04990268126130104f, 0.05438415706157684f, -0.07784979790449142f, -0.19228988885879517f, 0.03731737285852432f, 0.04384269937872887f, 0.013702006079256535f, 0.007408214267343283f},
    {1.9911134586436674e-05f, 4.800333044840954e-05f, 0.00011580745922401547f, 0.00027933449018746614f, 0.0006717099458910525f, 0.0015965220518410206f, 0.003660036250948906f, 0.007491511758416891f, 0.009742548689246178f, -0.015062462538480759f, -0.08275169134140015f, 0.04261799529194832f, 0.06005135178565979f, -0.020846648141741753f, -0.004244698677212f, -0.001451976946555078f},
    {5.007260369893629e-06f, 1.2066041563230101e-05f, 2.9124152206350118e-05f, 7.024515798548236e-05f, 0.00016769095964264125f, 0.0003898537252098322f, 0.0008301020134240389f, 0.0012783831916749477f, -0.0010425032814964652f, -0.015887988731265068f, -0.007450730539858341f, 0.061115097254514694f, -0.04550037905573845f, 0.003344620345160365f, 0.00203940412029624f, 0.0002979396958835423f},
    {1.011560357255803e-06f, 2.423870228085434e-06f, 5.85166844757623e-06f, 1.4095860024099238e-05f, 3.298616866231896e-05f, 7.287972402991727e-05f, 0.00012644649541471153f, 2.4956131383646607e-08f, -0.0014954304788261652f, -0.004860542714595795f, 0.015785593539476395f, -0.00950891524553299f, -0.003984647803008556f, 0.005667046178132296f, -0.0011481704423204064f, -7.382265175692737e-05f},
    {1.5726570268270734e-07f, 4.391419565763499e-07f, 1.0573012332315557e-06f, 2.215453605458606e-06f, 5.2683976718981285e-06f, 9.112129191635177e-06f, 7.836733857402578e-06f, -8.455722854705527e-05f, -0.0006135436706244946f, 0.00021647903486154974f, 0.00622419873252511f, -0.015505450777709484f, 0.013917488977313042f, -0.004670887719839811f, 0.0004258821427356452f, 2.5288600227213465e-05f},
    {9.483224872042229e-09f, 8.709813670293443e-08f, 1.9856055644140724e-07f, 2.2209533767636458e-07f, 7.870376634855347e-07f, -6.702807553438106e-08f, -1.97279587155208e-06f, -3.1096475140657276e-05f, -0.0001445072703063488f, 0.0007246197201311588f, -0.0009270123555324972f, 0.0007603676058351994f, -0.0019036773592233658f, 0.0008994026575237513f, -1.3171523278288078e-05f, -1.7328717149212025e-05f},
};

// x erf(softplus x);  f' = erf(p) + x erf'(p) sigma(x);  erf'(p) = 2/sqrt pi e^{-p^2}.
// float32 on [-9.625, 4.375) (the bulk of the inputs): f = x h(x), h = erf(softplus x) = P_j(u), and f' = (x - x0) Q_j(u)
// with x0 = kSerfZeroHi + kSerfZeroLo (Q = f'/(x - x0) has no zero: no cancellation at f''s zero), P_j and Q_j of
// degree 7 on 16 intervals of 7/8 (kSerfGate, kSerfSlope; fit error 0.63 and 1.4 ulp), their coefficients looked up
// per lane (lookup.h: one vpermps each on AVX-512) instead of exp, log1p and two erf polynomials (SERF was 3.2x
// SiLU's forward and backward at 4M elements, 1 thread); above, h = 1 and f' = 1 in float32. Below -9.625 (the wide
// forms, f_wide and df_wide, for those lanes only): e = e^{-|x|} (exp_fast, 0.9 ulp; |x| clamped to 87: a normal
// float), p = max(x, 0) + log1p(e) (kSerfLog1p), sigma = (1 or e) / (1 + e). erf(p): below p = 1 c p Q(p^2)
// (c = 2/sqrt pi, c p as hi + lo in f; Q = 1 + v P(v), ErfAct's), above 1 - erfc(p) by kSerfErfcMid on p clamped to
// [1, 3.92] (erf = 1 in float32 beyond). f' adds x c E sigma, c E = erf'(p) = c e^{-p^2} (mul_exp's reduction of
// p^2 rounded: f' has its 16 ulps); near its zero x0 the slope polynomial. Below x = -64 the tail forms.
template <class V>
struct SERF : Act<V> {
  // float32: e^{-|x|}, p = softplus(x)
  struct Parts {
    Vf e, p;
  };
  ACTLAB_INLINE static Parts parts(const Vf& x) {
    const Vf e = exp_fast(at::vec::maximum(x.abs().neg(), Vf(-87.0f)));
    return {e, max0(x) + fma(e * e, horner(e, kSerfLog1p), e)};
  }
  // erf(p); Exact: c p as hi + lo (f), else c p rounded (f', within its 16 ulps)
  template <bool Exact>
  ACTLAB_INLINE static Vf erf_of(const Vf& p) {
    const Vf v = p * p, q = fma(v, horner(v, kErfOverU), Vf(1.0f)), cp = kTwoOverSqrtPiHi * p, below = p < Vf(1.0f);
    Vf small = cp * q;
    if constexpr (Exact) small = fma(cp, q, (fma(kTwoOverSqrtPiHi, p, cp.neg()) + kTwoOverSqrtPiLo * p) * q);
    if (all(below)) return small;
    const Vf w = clamp(p, Vf(1.0f), Vf(3.92f)) - Vf(2.46f);
    return sel(below, small, Vf(1.0f) - horner(w, kSerfErfcMid));
  }
  ACTLAB_INLINE static Vf erf_prime_f32(const Vf& p) {  // c e^{-p^2} (p clamped to 9; p^2 rounded: f' only)
    const Vf pc = at::vec::clamp_max(p, Vf(9.0f));
    return mul_exp_nonpos(kTwoOverSqrtPiHi, (pc * pc).neg(), zero<Vf>());
  }
  ACTLAB_INLINE static V erf(const V& p) { return p.erf(); }  // float64
  ACTLAB_INLINE static V erf_prime(const V& p) { return V(kTwoOverSqrtPi) * vexp(p.neg() * p); }
  // float32 on [-9.625, 4.375): the lane's interval j (as a float; j < 0 below, j >= 16 above) and u = x - c_j
  struct Grid {
    Vf j, u;
  };
  ACTLAB_INLINE static Grid grid(const Vf& x) {
    const Vf j = fma(x, Vf(1.14285714f), Vf(11.0f)).floor();  // (x + 9.625) 8/7, rounded: j's u within 0.4375 (+0.2%)
    return {j, x - fma(j, Vf(0.875f), Vf(-9.1875f))};
  }
  ACTLAB_INLINE V f(V x) const {
    if constexpr (is_float<V>) {  // x erf(softplus x) by the table, erf(p) = 1 above; below, f_wide
      const Grid g = grid(x);
      const V near = sel(g.j >= V(16.0f), x, x * horner_lookup(g.u, TableIndex<16>(g.j), kSerfGate)), wide = g.j < zero<V>();
      return any(wide) ? sel(wide, f_wide(x), near) : near;
    } else {
      return at::vec::clamp_min(x, V(-kExpUnderflow)) * erf(softplus(x));
    }
  }
  ACTLAB_INLINE V df(V x) const {
    if constexpr (is_float<V>) {  // (x - x0) P(x) by the table (no cancellation at the zero x0), 1 above; below, df_wide
      const Grid g = grid(x);
      const V d = (x - V(kSerfZeroHi)) - V(kSerfZeroLo);
      const V near = sel(g.j >= V(16.0f), V(1.0f), d * horner_lookup(g.u, TableIndex<16>(g.j), kSerfSlope)), wide = g.j < zero<V>();
      return any(wide) ? sel(wide, df_wide(x), near) : near;
    } else {
      const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), p = softplus(xc);
      return erf(softplus(x)) + xc * erf_prime(p) * sigmoid(xc);
    }
  }
  // float32 on the whole line (the lanes below the table): e^{-|x|}, softplus, erf(p) by ErfAct's polynomial or
  // 1 - erfc(p), the tail forms below -64
  ACTLAB_INLINE static V f_wide(const V& x) {
    const V xc = at::vec::clamp_min(x, V(-kExpUnderflow));
    V near = xc * erf_of<true>(parts(x).p);  // below -64 softplus(x) ~ e^x leaves the normal range: x (2/sqrt pi) e^x
    const V tail = x < V(kTail);
    if (any(tail)) near = sel(tail, exp_tail_times(V(kTwoOverSqrtPi) * xc, sel(tail, xc, zero<V>())), near);
    return near;
  }
  ACTLAB_INLINE static V df_wide(const V& x) {
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow));
    V near;
    {
      const Parts s = parts(x);
      const V sg = sel(x >= zero<V>(), V(1.0f), s.e) / (V(1.0f) + s.e);
      near = fma(xc * erf_prime_f32(s.p), sg, erf_of<false>(s.p));
      const V tail = x < V(kTail);  // (2/sqrt pi) e^x (1 + x) below -64
      if (any(tail)) {
        near = sel(tail, exp_tail_times(V(kTwoOverSqrtPi) * (V(1) + xc), sel(tail, xc, zero<V>())), near);
      }
      near = slope_near_zero(x, near, kSerfZeroHi, kSerfZeroLo, kSerfSlopeZero, 0.4f);  // the sum above cancels
    }
    return near;
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), p = softplus(xc), s = sigmoid(xc);
    return erf_prime(p) * (V(2) * s + xc * (sigmoid_prime(xc) - V(2) * p * s * s));
  }
};

// What GELU and GELU' (float32) share: t = |x| (clamped), its Mills ratio, t^2 as hi + lo and e^{-t^2/2} reduced as
// 2^n (1 + p) (mul_exp_nonpos's steps), so that several factors times e^{-t^2/2} cost one reduction. gelu_f and
// f(xq(ratio(), 1)) and df(a) give the bits of gelu_f_f32(x) and gelu_df_f32(x, a); xq(ratio(), a) = a x (1 - Phi(t)),
// which is x Phi(-x) for x > 0 (ClippedGELU's clip test). ClippedGELU's and Phish's f' need GELU and GELU', Phish's f
// x Phi(x) and x^2 Phi(x).
struct GeluCore {
  Vf x, xc, q, den, t, n, p;
  ACTLAB_INLINE explicit GeluCore(const Vf& v) : x(v) {
    t = at::vec::clamp_max(v.abs(), Vf(40.0f));
    const Mills m = mills(t);
    q = m.q;
    den = m.den;
    xc = clamp(v, Vf(-40.0f), Vf(40.0f));
    const Vf tt = t * t, tl = fma(t, t, tt.neg());
    const Vf y = at::vec::clamp_min(Vf(-0.5f) * tt, Vf(-120.0f)), y_lo = Vf(-0.5f) * tl;
    n = (y * Vf(kLog2e)).round();
    const Vf r = fma(n, Vf(-kLn2Hi), y) + fma(n, Vf(-kLn2Lo), y_lo);
    p = fma(r * r, horner(r, kExpShort), r);  // e^r - 1
  }
  ACTLAB_INLINE Vf times_gauss(const Vf& a) const { return scale_pow2(fma(a, p, a), n); }  // a e^{-t^2/2}, rounded once
  ACTLAB_INLINE Vf ratio() const { return (xc * q) / den; }                                  // x R(t)
  ACTLAB_INLINE Vf xq(const Vf& xr, const Vf& a) const { return times_gauss(a * xr); }        // a x (1 - Phi(t))
  ACTLAB_INLINE Vf f(const Vf& xq1) const { return sel(x <= zero<Vf>(), xq1, x - xq1); }     // x Phi(x) from xq(., 1)
  ACTLAB_INLINE Vf num() const {  // R(t) - t/sqrt(2 pi) = num/den
    const Vf tden = t * den;
    return fma(kInvSqrt2PiHi.neg(), tden, q) - kInvSqrt2PiLo * tden;
  }
  ACTLAB_INLINE Vf df_from(const Vf& a, const Vf& nr) const {  // a (Phi(x) + x phi(x)) from nr = num/den
    const Vf e = times_gauss(a * nr);
    return sel(x < zero<Vf>(), e, a - e);
  }
  ACTLAB_INLINE Vf df(const Vf& a) const { return df_from(a, num() / den); }  // a (Phi(x) + x phi(x))
};

// tanh g and sech^2 g (float32) from one exponential and one division, each within about 1.5 ulp: |g| < 2^-12: g and
// 1; below atanh(1/2) tanh's polynomial (tanh_accurate's) and 1 - tanh^2 (>= 3/4: no cancellation); above, with
// e = e^{-2|g|} <= 1/3 (exp_fast, 0.9 ulp: 1 - e damps its error by e/(1 - e) <= 1/2) and r = 1/(1 + e),
// tanh = (1 - e) r and sech^2 = 4 e r^2. Phish's f' cancels near its zero (x = -1.3), where |g| < 0.2: the polynomial.
// No subnormal intermediates (slow on Zen 4): |g| is clamped to [2^-12, 20] inside.
ACTLAB_INLINE std::pair<Vf, Vf> tanh_sech2(const Vf& g) {
  const Vf one(1.0f), a = g.abs(), ac = clamp(a, Vf(2.44140625e-4f), Vf(20.0f)), a2 = ac * ac;
  const Vf small = fma(a2 * ac, horner(a2, kTanhSmall), ac);
  const Vf e = exp_fast(Vf(-2.0f) * ac), r = one / (one + e);
  const Vf lin = a < Vf(2.44140625e-4f), below = a < Vf(0.54930615f);
  const Vf th = sel(lin, a, sel(below, small, (one - e) * r)) | sign_bit(g);
  const Vf s2 = sel(lin, one, sel(below, fma(small.neg(), small, one), (Vf(4.0f) * e) * (r * r)));
  return {th, s2};
}

// GELU clipped to [a, b]: clamp(x Phi(x), a, b);  f' = GELU'(x), f'' = GELU''(x) where not clipped, else 0. Clipped
// as the declaration decides (_clipped): for x > 0, x - b >= x Phi(-x) (exact near the crossing), else GELU(x) >= b;
// or GELU(x) <= a
template <class V>
struct ClippedGELU : Act<V> {
  V lo, hi;
  ClippedGELU(double a, double b) : lo(this->c(a)), hi(this->c(b)) {}
  ACTLAB_INLINE V clipped(const V& x, const V& y) const {
    const V xp = clamp(x, zero<V>(), V(kGaussUnderflow));
    const V above = sel(x > zero<V>(), (x - hi) >= xp * normal_cdf(xp.neg()), y >= hi);
    return above | (y <= lo);
  }
  ACTLAB_INLINE V f(V x) const { return clamp(gelu_f(x), lo, hi); }
  ACTLAB_INLINE V df(V x) const {
    if constexpr (is_float<V>) {  // GELU, GELU' and x Phi(-x) from one Mills ratio and one exponential
      const GeluCore c(x);
      const V xq = c.xq(c.ratio(), V(1.0f)), y = c.f(xq);
      const V above = sel(x > zero<V>(), (x - hi) >= xq, y >= hi);
      return sel(above | (y <= lo), zero<V>(), c.df(V(1.0f)));
    } else {
      return sel(clipped(x, gelu_f(x)), zero<V>(), gelu_df(x));
    }
  }
  ACTLAB_INLINE V d2f(V x) const { return sel(clipped(x, gelu_f(x)), zero<V>(), gelu_d2f(x)); }
};

// Phish's tables (python -m actlab.native.fits: PIECEWISE): 6 intervals of 11/8 on [-10.75, -2.5), 26 of 1/2 on
// [-2.5, 10.5); x = o_j + u, o_j the centres, 0 for the two intervals that end at 0 (the gate's P_j(0) = 0)
// tanh(x Phi(x)) = e^{-x^2/2 (x < 0)} P_j(x - o_j) on [-10.75, 10.5), 32 intervals, degree 8 (fit error 0.675 ulp)
inline constexpr float kPhishGate[][32] = {
    {-0.39511358737945557f, -0.39385372400283813f, -0.39186543226242065f, -0.3884742259979248f, -0.3820347189903259f, -0.367745041847229f, -0.3456296920776367f, -0.32362544536590576f, -0.2867851257324219f, -0.223030686378479f, 0.0f, 0.0f, 0.5226868391036987f, 0.8068504333496094f, 0.9328480958938599f, 0.976797878742218f, 0.9917258024215698f, 0.9969863891601562f, 0.9988937377929688f, 0.9995931386947632f, 0.999850332736969f, 0.9999449253082275f, 0.9999797344207764f, 0.9999925494194031f, 0.9999972581863403f, 0.9999989867210388f, 0.9999996423721313f, 0.9999998807907104f, 0.9999999403953552f, 1.0f, 1.0f, 1.0f},
    {0.000739856215659529f, 0.0011287356028333306f, 0.001839025761000812f, 0.00327309756539762f, 0.0065929461270570755f, 0.015936072915792465f, 0.03426118940114975f, 0.0559396855533123f, 0.09518267214298248f, 0.16826969385147095f, 0.5f, 0.5f, 0.7262356877326965f, 0.3918003737926483f, 0.14419198036193848f, 0.04858069494366646f, 0.016843004152178764f, 0.00605439068749547f, 0.002214085077866912f, 0.0008137725526466966f, 0.00029937224462628365f, 0.00011014004849130288f, 4.051956057082862e-05f, 1.4906501746736467e-05f, 5.483821496454766e-06f, 2.017388624153682e-06f, 7.421562600029574e-07f, 2.730240851178678e-07f, 1.0043996212516504e-07f, 3.6949803217112276e-08f, 1.3593071557238545e-08f, 5.00060748365172e-09f},
    {0.00010540356015553698f, 0.00018646600074134767f, 0.000352522823959589f, 0.0007517944322898984f, 0.0018665840616449714f, 0.005816154181957245f, 0.01575819030404091f, 0.028912626206874847f, 0.051688291132450104f, 0.10362181812524796f, 0.39894211292266846f, 0.3989415168762207f, -0.22198008000850677f, -0.34096571803092957f, -0.15536795556545258f, -0.052491430193185806f, -0.017503056675195694f, -0.0061341701075434685f, -0.0022332146763801575f, -0.0008288532262668014f, -0.0003127943491563201f, -0.00010848663077922538f, -3.769428440136835e-05f, -1.6268098988803104e-05f, -5.534658157557715e-06f, 2.962849521281896e-07f, -7.5306975304556545e-06f, -9.005933861772064e-06f, 4.636109224520624e-06f, -9.361448064737488e-06f, -3.4438842249073787e-06f, -1.2669341913351673e-06f},
    {1.3453367500915192e-05f, 2.6833233278011903e-05f, 5.930851693847217e-05f, 0.00015008101763669401f, 0.0004564903792925179f, 0.0018202140927314758f, 0.006280718836933374f, 0.011512265540659428f, 0.020321954041719437f, 0.05777253583073616f, 0.20832496881484985f, -0.04162679240107536f, -0.3019584119319916f, 0.09923838078975677f, 0.10480864346027374f, 0.03902743011713028f, 0.012528461404144764f, 0.004196389578282833f, 0.001489094807766378f, 0.0005430745077319443f, 0.00019955374591518193f, 7.341715536313131e-05f, 2.701158882700838e-05f, 9.937447430274915e-06f, 3.6558274132403312e-06f, 1.3449206335280905e-06f, 4.947715979142231e-07f, 1.8201768625658588e-07f, 6.695981369375659e-08f, 2.4632550221781457e-08f, 9.061955630329521e-09f, 3.3342240080003194e-09f},
    {1.0779165677377023e-05f, -5.258971214061603e-06f, 1.3223405403550714e-05f, 1.982676621992141e-05f, 0.00011026622814824805f, 0.0005350678693503141f, 0.0026212476659566164f, 0.0025365299079567194f, 0.007499638479202986f, 0.03420739248394966f, 0.03310253098607063f, -0.16692519187927246f, 0.19694198668003082f, 0.09457451850175858f, -0.04037242382764816f, -0.021820848807692528f, -0.005891118198633194f, -0.001475903089158237f, 0.0003672602470032871f, 0.0009158058674074709f, 0.0009691955056041479f, -0.00016775006952229887f, -0.00023808085825294256f, 0.00010330171062378213f, 2.2153603822516743e-06f, -0.00018463400192558765f, 0.0005395140033215284f, 0.0006942683830857277f, -0.00037663962575607f, 0.0007413846906274557f, 0.0002727401733864099f, 0.00010033550643129274f},
    {1.7634175719649647e-07f, 4.560310742363072e-07f, 1.353864831799001e-06f, 4.776837158715352e-06f, 2.121284524037037e-05f, 0.00015504554903600365f, 0.00045006192522123456f, 0.00036045745946466923f, 0.005150468088686466f, 0.015207059681415558f, -0.034906841814517975f, -0.06964989006519318f, 0.1336791217327118f, -0.11295637488365173f, -0.0040673306211829185f, 0.00887666828930378f, 0.003321151714771986f, 0.0009946352802217007f, 0.00031630080775357783f, 0.00010986810957547277f, 3.9965874748304486e-05f, 1.4673179066448938e-05f, 5.3973244575900026e-06f, 1.9872757093253313e-06f, 7.318818120438664e-07f, 2.6901000182988355e-07f, 9.890973018400473e-08f, 3.634753653614098e-08f, 1.3397468912046406e-08f, 4.947195098026214e-09f, 1.8157645387262278e-09f, 6.519728645848488e-10f},
    {-3.095699867117219e-05f, 2.9886772608733736e-05f, -1.332040937995771e-05f, 2.688216591195669e-05f, -2.4295426555909216e-05f, 3.0384942874661647e-05f, -0.01203709002584219f, 0.011460625566542149f, 0.010269380174577236f, -0.0001330996456090361f, -0.016293393447995186f, -0.0029586744494736195f, -0.1198279857635498f, 0.009922063909471035f, 0.03950532153248787f, -0.0018421574495732784f, -0.031002795323729515f, -0.01948258839547634f, -0.028769930824637413f, -0.030305106192827225f, -0.027244778349995613f, 0.0033333958126604557f, 0.005719072185456753f, -0.0027587497606873512f, -0.00010324222967028618f, 0.004686163738369942f, -0.013749965466558933f, -0.017688188701868057f, 0.00959369633346796f, -0.018886419013142586f, -0.0069479248486459255f, -0.0025559989735484123f},
    {3.2511480174690632e-09f, 9.219133012550174e-09f, 2.7529083013178024e-08f, 1.2507767621627863e-07f, 8.71454460593668e-07f, 1.3545005458581727e-05f, 0.00017559670959599316f, -0.00014001561794430017f, 0.00024037950788624585f, -0.0022885885555297136f, 0.007795908022671938f, 0.11042799055576324f, -0.05230075120925903f, 0.03778298944234848f, -0.012141725979745388f, -0.0008401820086874068f, 0.00037433215766213834f, 0.00014584958262275904f, 3.704873233800754e-05f, 1.2483140380936675e-05f, 3.8069345009716926e-06f, 1.4595234461012296e-06f, 5.512678740160482e-07f, 1.9044533416945342e-07f, 6.323432444332866e-08f, 2.546718924634206e-08f, 9.871769179881085e-09f, 3.993430919280172e-09f, 1.2258253301311584e-09f, 2.8248728356494723e-10f, 1.403762522889096e-10f, 1.9408720464131335e-10f},
    {3.262004247517325e-05f, -3.141241904813796e-05f, 1.4231209206627682e-05f, -2.7451644200482406e-05f, 3.015458059962839e-05f, 1.978508589672856e-05f, 0.09488983452320099f, -0.08793048560619354f, -0.05500596761703491f, 0.01084462832659483f, 0.0064250105060637f, -0.03962213918566704f, -0.04002029448747635f, 0.09472030401229858f, -0.16811484098434448f, 0.001142177265137434f, 0.2364688217639923f, 0.1519504189491272f, 0.22818735241889954f, 0.24104341864585876f, 0.21686716377735138f, -0.026586167514324188f, -0.045560628175735474f, 0.021965106949210167f, 0.0008202533354051411f, -0.03732089698314667f, 0.10950320214033127f, 0.14086702466011047f, -0.07640335708856583f, 0.15040969848632812f, 0.05533263459801674f, 0.020355742424726486f},
};
inline constexpr float kPhishGateOrigin[] = {-10.0625f, -8.6875f, -7.3125f, -5.9375f, -4.5625f, -3.1875f, -2.25f, -1.75f, -1.25f, -0.75f, 0.0f, 0.0f, 0.75f, 1.25f, 1.75f, 2.25f, 2.75f, 3.25f, 3.75f, 4.25f, 4.75f, 5.25f, 5.75f, 6.25f, 6.75f, 7.25f, 7.75f, 8.25f, 8.75f, 9.25f, 9.75f, 10.25f};
// Phish'(x) / (x (x - x0)) = e^{-x^2/2 (x < 0)} P_j(x - o_j) on [-10.75, 10.5), 32 intervals, degree 7 (fit error 0.841 ulp)
inline constexpr float kPhishSlope[][32] = {
    {0.4438698887825012f, 0.45049503445625305f, 0.45938482880592346f, 0.4719175100326538f, 0.49084439873695374f, 0.5225121974945068f, 0.5592735409736633f, 0.5868992209434509f, 0.620695948600769f, 0.6698473691940308f, 0.8365182280540466f, 0.8365182280540466f, 0.7315352559089661f, 0.4241708815097809f, 0.22993171215057373f, 0.14010237157344818f, 0.09567283093929291f, 0.07036874443292618f, 0.05430987477302551f, 0.043341316282749176f, 0.03545481711626053f, 0.02956758625805378f, 0.025045247748494148f, 0.021491531282663345f, 0.018646342679858208f, 0.016332251951098442f, 0.014424453489482403f, 0.012832910753786564f, 0.011491287499666214f, 0.010349801741540432f, 0.009370495565235615f, 0.008524010889232159f},
    {0.00420322036370635f, 0.005522587336599827f, 0.007567163091152906f, 0.010973923839628696f, 0.01725151017308235f, 0.03069285862147808f, 0.049292635172605515f, 0.06105174869298935f, 0.07635962963104248f, 0.13194052875041962f, 0.3014029264450073f, 0.30140364170074463f, -0.5841488242149353f, -0.5352956056594849f, -0.2590104937553406f, -0.12086775153875351f, -0.06479954719543457f, -0.039398785680532455f, -0.026123106479644775f, -0.01838577166199684f, -0.013507041148841381f, -0.010246957652270794f, -0.00797133706510067f, -0.006328547839075327f, -0.005110397469252348f, -0.004186992533504963f, -0.0034738583490252495f, -0.002914191922172904f, -0.0024687417317181826f, -0.0021097485441714525f, -0.001817188924178481f, -0.001576363923959434f},
    {0.0003904151963070035f, 0.0005860234377905726f, 0.0009361160919070244f, 0.0016240780241787434f, 0.0031656953506171703f, 0.007362472824752331f, 0.012022391892969608f, 0.011301197111606598f, 0.02563532255589962f, 0.09469863772392273f, 0.026642892509698868f, -0.39146652817726135f, -0.3443276584148407f, 0.29549527168273926f, 0.20765189826488495f, 0.084395632147789f, 0.03585934638977051f, 0.01767602004110813f, 0.009863819926977158f, 0.006023108027875423f, 0.003928754944354296f, 0.0026921245735138655f, 0.0019152926979586482f, 0.0014036179054528475f, 0.0010534264147281647f, 0.0008070113835856318f, 0.0006285227136686444f, 0.0004971903399564326f, 0.00039833044866099954f, 0.0003229744324926287f, 0.0002646209322847426f, 0.0002188665821449831f},
    {3.605739402701147e-05f, 6.175737507874146e-05f, 0.00011461472604423761f, 0.0002368694986216724f, 0.0005704063223674893f, 0.001672488753683865f, 0.0004618836392182857f, 0.00013476089225150645f, 0.025390811264514923f, 0.05915927514433861f, -0.21793922781944275f, -0.3694344162940979f, 0.6149821877479553f, 0.10133560746908188f, -0.11123137921094894f, -0.05160898715257645f, -0.018692685291171074f, -0.007528245449066162f, -0.0035079498775303364f, -0.0018350704340264201f, -0.0010485430248081684f, -0.0006417098338715732f, -0.0004143294645473361f, -0.00027893317746929824f, -0.00019401981262490153f, -0.00013873810530640185f, -0.00010132561146747321f, -7.554043986601755e-05f, -5.721360503230244e-05f, -4.401505066198297e-05f, -3.4290125768166035e-05f, -2.7034429876948707e-05f},
    {4.272661499271635e-06f, 8.940090083342511e-06f, 1.5586028894176707e-05f, 3.333876156830229e-05f, 0.00010066274990094826f, 0.000295727833872661f, -0.001620667171664536f, 0.0032945345155894756f, 0.021370677277445793f, -0.00250391592271626f, -0.16843032836914062f, -0.054994434118270874f, 0.1222081333398819f, -0.2970671057701111f, 0.01586874946951866f, 0.02583548054099083f, 0.009230312891304493f, 0.003092152299359441f, 0.001248460146598518f, 0.0005613274988718331f, 0.0002787831181194633f, 0.00015250110300257802f, 9.567095548845828e-05f, 5.856034840689972e-05f, 4.467489998205565e-05f, 1.8876788089983165e-05f, 2.0722964109154418e-05f, 8.169764441845473e-06f, 8.031215656956192e-06f, 4.448626441444503e-06f, 3.149922122247517e-06f, 2.9505313250410836e-06f},
    {3.096920693224092e-07f, 6.934723160156864e-07f, 1.7034328720910707e-06f, 4.849659489991609e-06f, 1.8030892533715814e-05f, -2.3671951566939242e-05f, -0.00030156163848005235f, 0.005445369519293308f, 0.004735772963613272f, -0.02907821722328663f, 0.019306210801005363f, 0.11108196526765823f, -0.5151162147521973f, 0.16915014386177063f, 0.03860034793615341f, -0.008641848340630531f, -0.004107280634343624f, -0.0012514598201960325f, -0.00043189452844671905f, -0.00016839033924043179f, -7.232031930470839e-05f, -3.664762698463164e-05f, -2.073787254630588e-05f, -1.1060978067689575e-05f, -8.365736903215293e-06f, -2.0296358798077563e-06f, -3.8046630379540147e-06f, -7.556247396678373e-07f, -1.1465589295767131e-06f, -1.7008791530770395e-07f, -2.9579169336102495e-07f, -4.3734746668633306e-07f},
    {-1.3264171911941958e-06f, -3.421585688556661e-06f, -2.1795790416945238e-06f, 1.8037130757875275e-06f, 4.601210093824193e-06f, -7.099447248037905e-05f, 0.0026306314393877983f, 0.005463757552206516f, -0.0018803721759468317f, -0.012372546829283237f, 0.08470623940229416f, 0.3993587791919708f, -0.006624753586947918f, 0.07352001965045929f, -0.04468049108982086f, -0.0004078064230270684f, 0.001042733434587717f, 0.000953869370277971f, -6.928528455318883e-05f, -6.441613368224353e-05f, -3.287351501057856e-05f, -3.750324322027154e-05f, -9.933520050253719e-05f, -6.002129157423042e-05f, -0.00011425124830566347f, 3.878827192238532e-05f, -5.638923175865784e-05f, 2.794674401229713e-05f, -3.178782890245202e-06f, 1.2607150893018115e-05f, 1.0884894436458126e-05f, 1.996588480324135e-06f},
    {-9.198604544735645e-09f, -2.9144459290364466e-08f, -2.295419143649724e-08f, 1.2776803259839653e-07f, 6.135099397397425e-07f, -3.780900078709237e-05f, 0.0007961491355672479f, 1.9326886103954166e-05f, -0.0033202311024069786f, -0.0016561942175030708f, 0.03571215644478798f, -0.262192964553833f, 0.35742413997650146f, -0.14688940346240997f, 0.02274785190820694f, 0.002988778753206134f, -0.00012093082477804273f, -0.0003942188050132245f, 3.654375905171037e-05f, 3.0163904739310965e-05f, 5.696420885215048e-06f, 2.1475474568433128e-05f, 3.1643656257074326e-05f, 1.4216637282515876e-05f, 2.8541169740492478e-05f, -1.4518025636789389e-05f, 1.5702271412010305e-05f, -7.404582447634311e-06f, 1.3070182376395678e-06f, -4.809312486031558e-06f, -2.058511881841696e-06f, 6.065164370738785e-07f},
};
// Phish' = 0 at x0 = kPhishZeroHi + kPhishZeroLo (and at 0)
inline constexpr float kPhishZeroHi = -1.1954312324523926f, kPhishZeroLo = 3.106448076550805e-08f;

// Phish: x tanh(g), g = GELU(x) = x Phi(x);  f' = tanh g + x sech^2(g) g', g' = Phi + x phi;
// f'' = sech^2 g (2g' + x(g'' - 2 tanh(g) g'^2)), g'' = phi (2 - x^2). x clipped to [-40, 800] (Phi = 0 below).
// float32 on [-10.75, 10.5) (the bulk of the inputs): f = x tanh g = x P_j(u) e^{-x^2/2} and f' = x (x - x0) Q_j(u)
// e^{-x^2/2}, the Gaussian only below 0 (its exponent as hi + lo: mul_exp's one rounding), P_j and Q_j of degree 8
// and 7 on 32 intervals (kPhishGate, kPhishSlope: fit error 0.68 and 0.84 ulp), their coefficients looked up per lane
// (lookup.h: one vpermt2ps each on AVX-512) instead of a Mills ratio, two exponentials and a division (Phish was 3.3x
// SiLU's forward and backward at 4M elements, 1 thread). Q has no zero: no cancellation at f''s zeros 0 and x0.
// Above 10.5 f = x and f' = 1 in float32; below -10.75 the wide forms (f_wide, df_wide) for those lanes.
template <class V>
struct Phish : Act<V> {
  // float32 on [-10.75, 10.5): the lane's interval j (as a float; j < 0 below, j >= 32 above), its index, u = x - o_j,
  // and y + y_lo = -x^2/2 below 0 (else 0): the tables' functions have e^{-x^2/2} factored out below 0
  struct Grid {
    Vf j;
    TableIndex<32> i;
    Vf u, y, y_lo;
  };
  ACTLAB_INLINE static Grid grid(const Vf& x) {
    // the fine grid's 2x + 11 and the coarse one's (x + 10.75) 8/11 meet at -2.5: the larger one is the lane's
    const Vf j = at::vec::clamp_min(fma(x, Vf(2.0f), Vf(11.0f)), fma(x, Vf(0.72727275f), Vf(7.818182f))).floor();
    const TableIndex<32> i(j);
    const Vf xn = min0(x), tt = xn * xn;
    return {j, i, x - i(kPhishGateOrigin), Vf(-0.5f) * tt, Vf(-0.5f) * fma(xn, xn, tt.neg())};
  }
  ACTLAB_INLINE V f(V x) const {
    if constexpr (is_float<V>) {  // |x P_j(u)| e^{-x^2/2} (f >= 0; +0 at -0 as the declaration), x above; below, f_wide
      const Grid g = grid(x);
      const V near = mul_exp_in_range((x * horner_lookup(g.u, g.i, kPhishGate)).abs(), g.y, g.y_lo);
      const V out = sel(g.j >= V(32.0f), x, near), wide = g.j < zero<V>();
      return any(wide) ? sel(wide, f_wide(x), out) : out;
    }
    const V w = at::vec::clamp_min(x, V(-kGaussUnderflow));
    return w * vtanh(gelu_f(w));
  }
  ACTLAB_INLINE V df(V x) const {
    if constexpr (is_float<V>) {  // x (x - x0) P_j(u) e^{-x^2/2} (no cancellation at the zeros 0, x0), 1 above; below,
      // df_wide
      const Grid g = grid(x);
      const V m = x * ((x - V(kPhishZeroHi)) - V(kPhishZeroLo));
      const V near = mul_exp_in_range(m * horner_lookup(g.u, g.i, kPhishSlope), g.y, g.y_lo);
      const V out = sel(g.j >= V(32.0f), V(1.0f), near), wide = g.j < zero<V>();
      return any(wide) ? sel(wide, df_wide(x), out) : out;
    } else {  // the declaration's, its exp by the C library (as torch's: the sum cancels in the tail)
      const V w = clamp(x, V(-kGaussUnderflow), V(kExpUnderflow));
      const V pdf = V(kInvSqrt2Pi) * exp_libm((V(-0.5) * w) * w), cdf = normal_cdf(w);
      const V g = w * cdf, e = exp_libm(V(-2.0) * g.abs());
      return tanh_expm1(g) + (w * ((V(4.0) * e) / ((V(1.0) + e) * (V(1.0) + e)))) * (cdf + w * pdf);
    }
  }
  // float32 on the whole line (the lanes below the tables): below -5 tanh(g) = g to 1e-12 and g is tiny (subnormal
  // below -13): w^2 Phi(w) rounded once; g and w g from one Mills ratio and one exponential, tanh of g = 0 there (no
  // subnormal intermediates), tanh g by tanh_sech2 (one exponential, one division; sech^2 unused)
  ACTLAB_INLINE static V f_wide(const V& x) {
    const V w = at::vec::clamp_min(x, V(-kGaussUnderflow));
    const GeluCore c(w);
    const V xr = c.ratio(), tail = w < V(-5.0f), g = sel(tail, zero<V>(), c.f(c.xq(xr, V(1.0f))));
    const V near = w * tanh_sech2(g).first;
    return any(tail) ? sel(tail, c.xq(xr, w), near) : near;
  }
  // x g' rounded once (in the left tail it is subnormal, and g' more so); g and x g' from one Mills ratio, one
  // reduction of e^{-x^2/2} and one reciprocal, tanh g and sech^2 g from one more exponential (tanh_sech2)
  ACTLAB_INLINE static V df_wide(const V& x) {
    const V w = clamp(x, V(-kGaussUnderflow), V(kExpUnderflow));
    const GeluCore c(w);
    const V r = V(1.0f) / c.den;  // one reciprocal for x R and num/den (each then ~1 ulp)
    const auto [th, s2] = tanh_sech2(c.f(c.xq((c.xc * c.q) * r, V(1.0f))));
    return sel(w == zero<V>(), w, fma(s2, c.df_from(w, c.num() * r), th));  // f'(+-0) = +-0
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V w = clamp(x, V(-kGaussUnderflow), V(kExpUnderflow)), cdf = normal_cdf(w), pdf = normal_pdf(w);
    const V g = w * cdf, dg = cdf + w * pdf, d2g = pdf * (V(2) - w * w);
    return sech2(g) * (V(2) * dg + w * (d2g - ((V(2) * tanh_expm1(g)) * dg) * dg));
  }
};

// ---- self-gated activations of the literature. Their declarations compute float32 in float64; the
// float32 kernels stay in float32 on the accurate primitives (accurate.h) and forms without
// cancellation (tests/native: fwd <= 4 ulp, f' <= 16 ulp against the float64 declaration).

// E-swish: beta x sigma(x)
template <class V>
struct ESwish : Act<V> {
  V beta;
  explicit ESwish(double b) : beta(this->c(b)) {}
  ACTLAB_INLINE V f(V x) const { return beta * swish_f(x, V(1), nullptr, Scalar<V>(kExpUnderflow)); }
  ACTLAB_INLINE V df(V x) const { return beta * swish_df(x); }
  ACTLAB_INLINE V d2f(V x) const { return beta * swish_d2f(x); }
};

// Flatten-T Swish: x sigma(x) + T for x >= 0, T below;  f' = SiLU' there, 0 below (NaN stays NaN in f, f')
template <class V>
struct FlattenTSwish : Act<V> {
  V t;
  explicit FlattenTSwish(double T) : t(this->c(T)), t_lo(this->c(T - static_cast<double>(static_cast<Scalar<V>>(T)))) {}
  V t_lo;
  // float32, x >= 0: (x + T (1 + e)) / (1 + e), e = e^-x = eh + el (exp_core), x + T by TwoSum and
  // T e by an fma: one rounding of the numerator, which cancels at the zero of f (x = 0.33 for T = -0.2)
  ACTLAB_INLINE V shifted(V xp) const {
    if constexpr (is_float<V>) {
      const auto [eh, el] = exp_split(clamp(xp.neg(), V(-120.0f), zero<V>()));
      const V s = xp + t, bb = s - xp, err = (xp - (s - bb)) + (t - bb);
      const V num = fma(t, eh, s) + ((err + t * el) + t_lo * (V(1) + eh));
      return sel(xp == V(INFINITY), xp, num / (V(1) + eh));
    } else {
      return swish_f(xp, V(1), nullptr, Scalar<V>(kExpUnderflow)) + t;
    }
  }
  ACTLAB_INLINE V f(V x) const {
    const V y = sel(x >= zero<V>(), shifted(max0(x)), t);
    return sel(x != x, x, y);
  }
  ACTLAB_INLINE V df(V x) const {
    const V y = sel(x >= zero<V>(), swish_df(max0(x)), zero<V>());
    return sel(x != x, x, y);
  }
  ACTLAB_INLINE V d2f(V x) const { return sel(x >= zero<V>(), swish_d2f(max0(x)), zero<V>()); }
};

// sqrt(2) and x0 = log(sqrt(2) - 1), the minimum of ELiSH (x0 = kElishZeroHi + kElishZeroLo in float32)
inline constexpr double kSqrt2 = 1.4142135623730951, kElishZero = -0.8813735870195428;  // math.log(sqrt2 - 1)
inline constexpr float kElishZeroHi = -0.88137358f;
inline constexpr double kElishZeroLo = kElishZero - static_cast<double>(kElishZeroHi);

// expm1(u) for u <= -log(sqrt(2) - 1) = 0.8814: expm1 of -|u| (<= 0: accurate.h's), and for u > 0
// expm1(u) = -m / (1 + m), m = expm1(-u) (1 + m = e^-u >= 0.41: no cancellation)
template <class V>
ACTLAB_INLINE V expm1_small(const V& u) {
  const V m = expm1_nonpos(u.abs().neg());
  return sel(u > zero<V>(), m.neg() / (V(1) + m), m);
}

// ELiSH: x sigma(x) for x >= 0, expm1(x) sigma(x) below;  f' = SiLU' for x >= 0, below
// sigma(x)(sqrt2 - 1) expm1(x - x0)(e^x + 1 + sqrt2)/(e^x + 1) (no cancellation at the minimum x0)
template <class V>
struct ELiSH : Act<V> {
  ACTLAB_INLINE V f(V x) const {
    const V s = sigmoid(x);
    return sel(x >= zero<V>(), x * s, expm1_nonpos(min0(x)) * s);
  }
  ACTLAB_INLINE V df(V x) const {
    const V one(1), xn = min0(x);
    if constexpr (is_float<V>) {
      // below 0: e (e^2 + 2e - 1) / (1 + e)^2, e = e^x = eh + el (exp_core), 1 + e = dh + dl exactly
      const auto [eh, el] = exp_split(at::vec::clamp_min(xn, V(-120.0f)));
      const V dh = one + eh, dl = ((one - dh) + eh) + el;
      const V num = (fma(eh, eh, V(2) * eh) - one) + (V(2) * el) * (eh + one);
      const V q = fma(el, num, eh * num) / (dh * dh);
      V neg = fma(q, (V(-2) * dl) / dh, q);
      // near the minimum x0, where e^2 + 2e - 1 cancels: (sqrt2 - 1) e expm1(x - x0) (e + 1 + sqrt2) / (1 + e)^2
      const V u = (xn - V(kElishZeroHi)) - V(static_cast<float>(kElishZeroLo)), zone = u.abs() < V(0.5f);
      if (any(zone)) neg = sel(zone, (this->c(kSqrt2 - 1.0) * eh) * (expm1_small(u) * (dh + this->c(kSqrt2))) / (dh * dh), neg);
      return sel(x >= zero<V>(), swish_df(x), neg);
    } else {  // the declaration's
      const V s = sigmoid(x), e = vexp(xn), wc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow));
      const V neg = ((this->c(kSqrt2 - 1.0) * (xn - V(kElishZero)).expm1()) * ((e + one) + this->c(kSqrt2))) / (e + one);
      return sel(x >= zero<V>(), s * (one + wc * sigmoid(x.neg())), s * neg);
    }
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V one(1), s = sigmoid(x), sm = sigmoid(x.neg());
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), xn = min0(x), e = vexp(xn);
    const V neg = s * (e * (one + V(2) * sm) + sm * (sm - s) * expm1_nonpos(xn));
    return sel(x >= zero<V>(), sigmoid_prime(xc) * (V(2) + xc * (sm - s)), neg);
  }
};

// Hard ELiSH: h(x) = clamp((x + 1)/2, 0, 1);  x h(x) for x >= 0, expm1(x) h(x) below
template <class V>
struct HardELiSH : Act<V> {
  ACTLAB_INLINE V f(V x) const {
    const V h = clamp(V(0.5) * (x + V(1)), zero<V>(), V(1));
    return sel(x >= zero<V>(), x * h, expm1_nonpos(min0(x)) * h);
  }
  ACTLAB_INLINE V df(V x) const {
    const V xi = clamp(x, V(-1), zero<V>());
    const V neg = V(0.5) * (vexp(xi) * (xi + V(1)) + expm1_nonpos(xi));
    const V y = sel(x > V(1), V(1), sel(x >= zero<V>(), x + V(0.5), sel(x >= V(-1), neg, zero<V>())));
    return sel(x != x, x, y);
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V xi = clamp(x, V(-1), zero<V>());
    const V neg = (V(0.5) * vexp(xi)) * (xi + V(3));
    return sel(x > V(1), zero<V>(), sel(x >= zero<V>(), V(1), sel(x >= V(-1), neg, zero<V>())));
  }
};

// LiSHT: x tanh x;  f' = tanh x + x sech^2 x;  f'' = 2 sech^2 x (1 - x tanh x)
template <class V>
struct LiSHT : Act<V> {
  ACTLAB_INLINE V f(V x) const { return x * vtanh(x); }
  ACTLAB_INLINE V df(V x) const {
    return vtanh(x) + clamp(x, V(-kExpUnderflow), V(kExpUnderflow)) * sech2(x);
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow));
    return (V(2) * sech2(x)) * (V(1) - xc * tanh_expm1(x));
  }
};

// The zeros of TanhExp', Smish'/alpha (in z = beta x) and Logish' and f'(x0 + d) = d P(d) there
// (python -m actlab.native.fits; fit errors 0.43, 0.68, 0.37 ulp): their float32 sums cancel near x0
// (21, 16, 16 ulps at 0.07-0.16 from it)
inline constexpr float kTanhExpZeroHi = -1.0788600444793701f, kTanhExpZeroLo = -1.3985253843884493e-08f;
inline constexpr float kTanhExpSlopeZero[] = {
    0.35250362753868103f,   0.32522690296173096f,   0.10786009579896927f,    -0.022875210270285606f,
    -0.04563656076788902f,  -0.025494417175650597f, -0.00570495193824172f,   0.0027860584668815136f,
    0.003658990142866969f,  0.0016848613740876317f, -8.907703886507079e-05f, -0.00030336977215483785f};
inline constexpr float kSmishZeroHi = -1.394519329071045f, kSmishZeroLo = 2.7146540793054896e-08f;
inline constexpr float kSmishSlopeZero[] = {
    0.18142038583755493f,  0.10463359951972961f,   -0.001644835458137095f,  -0.017561854794621468f,
    -0.0037450839299708605f, 0.001710348529741168f, 0.0008871954632923007f, -4.027115573990159e-05f,
    -0.00010513835877645761f, -1.3070908607915044e-05f};
inline constexpr float kLogishZeroHi = -1.3724541664123535f, kLogishZeroLo = 2.9386661326569197e-08f;
inline constexpr float kLogishSlopeZero[] = {
    0.18341466784477234f,  0.10867927968502045f, 0.0031533653382211924f, -0.014993445947766304f,
    -0.0036805577110499144f, 0.0010919522028416395f, 0.0006477284478023648f, 3.4854219848057255e-06f,
    -6.5186271967832e-05f, -1.1902036931132898e-05f};

inline constexpr double kTanhExpFlat = 10.0;  // tanh(e^x) = 1, e^x sech^2(e^x) = 0 beyond

// TanhExp: x tanh(e^x), x e^x scaled below -64;  f' = tanh(e^x) + x e^x sech^2(e^x), (1 + x) e^x below -64.
// float32: E = e^x by exp_fast (0.9 ulp: tanh damps it, E sech^2 E / tanh E <= 1; x clamped to [-87, 10], the tail
// form below -64); tanh E by tanh_nonneg (one exponential and one division) in f; in f' tanh and sech^2 of E from
// t = e^{-2E} (as tanh_sech2_nonneg, t by exp_fast: -2E >= -80): two exponentials, one division
template <class V>
struct TanhExp : Act<V> {
  ACTLAB_INLINE V f(V x) const {
    const V xc = at::vec::clamp_min(x, V(-kExpUnderflow));
    V th;
    if constexpr (is_float<V>) {
      th = tanh_nonneg(exp_fast(clamp(x, V(-87.0f), V(kTanhExpFlat))));
    } else {
      th = vtanh(vexp(at::vec::clamp_max(x, V(kTanhExpFlat))));
    }
    const V near = x * th, tail = xc < V(kTail);
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(xc, sel(tail, xc, zero<V>())), near);
  }
  ACTLAB_INLINE V df(V x) const {
    const V xc = clamp(x, V(-kExpUnderflow), V(kTanhExpFlat));
    const V tail = xc < V(kTail);
    V sum;
    if constexpr (is_float<V>) {  // tanh_sech2_nonneg's m = e^{-2E} - 1, tanh E = -m r, sech^2 E = 4 t r^2, r = 1/(2 + m)
      const V e = exp_fast(at::vec::clamp_min(xc, V(-87.0f))), a = at::vec::maximum(V(-2.0f) * e, V(-80.0f));
      const V t = exp_fast(a), m = sel(a >= V(-0.69314718f), fma(a * a, horner(a, kExpm1Small), a), t - V(1.0f));
      const V r = V(1.0f) / (V(2.0f) + m);
      sum = fma(xc * e, (V(4.0f) * t) * (r * r), m.neg() * r);
    } else {
      const V e = vexp(xc);
      sum = vtanh(e) + (xc * e) * sech2(e);
    }
    const V near = slope_near_zero(x, sum, kTanhExpZeroHi, kTanhExpZeroLo, kTanhExpSlopeZero);
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(V(1) + xc, sel(tail, xc, zero<V>())), near);
  }
  ACTLAB_INLINE V d2f(V x) const {  // float64: e^x by exp_libm (sech^2(e^x) amplifies its rounding 2e^x times)
    const V xc = clamp(x, V(-kExpUnderflow), V(kTanhExpFlat));
    V e;
    if constexpr (is_float<V>) {
      e = vexp(xc);
    } else {
      e = exp_libm(xc);
    }
    return (e * sech2(e)) * ((V(2) + xc) - (V(2) * xc) * (e * tanh_expm1(e)));
  }
};

// TeLU = TanhExp
template <class V>
struct TeLU : TanhExp<V> {};

// Smish: alpha x T(z), z = beta x, T = tanh(log(1 + sigma(z))) = q/(q + 2), q = sigma(sigma + 2). With
// e = e^{-|z|}: T = e(2 + 3e)/(2 + 6e + 5e^2) for z < 0, (3 + 2e)/(5 + 6e + 2e^2) above (no
// cancellation), T' = 4e P (1 + e)/D^2 with P = 1 + 2e resp. 2 + e: f' = alpha (N/D + 4 z e P (1 + e)/D^2).
// float32 with beta not a power of 2: z's rounding z_lo is put back, T(z + lo) = T(1 + T'/T lo). float64:
// the declaration's q / (q + 2).
template <class V>
struct Smish : Act<V> {
  V alpha, beta, beta_lo;
  Scalar<V> bound;
  bool exact;
  Smish(double a, double b)
      : alpha(this->c(a)), beta(this->c(b)), beta_lo(this->c(b - static_cast<double>(static_cast<Scalar<V>>(b)))),
        bound(static_cast<Scalar<V>>(kExpUnderflow / b)) {
    int ex = 0;
    exact = !is_float<V> || std::frexp(b, &ex) == 0.5;
  }
  struct Parts {
    V num, den, p, e;
  };
  ACTLAB_INLINE static Parts parts(const V& z) {
    const V one(1), two(2), e = exp_neg_abs(z), neg = z < zero<V>();
    const V num = sel(neg, e * fma(V(3), e, two), fma(two, e, V(3)));
    const V den = sel(neg, fma(e, fma(V(5), e, V(6)), two), fma(e, fma(two, e, V(6)), V(5)));
    return {num, den, sel(neg, fma(two, e, one), two + e), e};
  }
  ACTLAB_INLINE static V exp_neg_abs(const V& z) {
    if constexpr (is_float<V>) {
      return exp_fast(at::vec::maximum(z.abs().neg(), V(-87.0f)));  // below, the tail form
    } else {
      return vexp(z.abs().neg());
    }
  }
  // float32: the rounding of z = beta x (x clamped: finite; T is flat above 1e6)
  ACTLAB_INLINE V z_lo(const V& x) const {
    const V xl = clamp(x, V(-bound), V(1e6f));
    return fma(beta, xl, (beta * xl).neg()) + beta_lo * xl;
  }
  ACTLAB_INLINE V f(V x) const {
    const V xc = at::vec::clamp_min(x, V(-bound)), z = beta * xc;
    V t;
    if constexpr (is_float<V>) {
      const auto [num, den, p, e] = parts(z);
      t = num / den;
      if (!exact) {  // T'/T = 4 P (1 + e) e / (D N), with N = e (2 + 3e) below 0: e cancels there
        const V k = V(4) * p * (V(1) + e) * sel(z < zero<V>(), V(1) / fma(V(3), e, V(2)), e / num) / den;
        t = fma(t * k, z_lo(x), t);
      }
    } else {  // the declaration's q / (q + 2), q = s (s + 2)
      const V sg = sigmoid(z), q = sg * (sg + V(2));
      t = q / (q + V(2));
    }
    const V near = xc * t, tail = z < V(kTail);
    if (!any(tail)) return alpha * near;
    return alpha * sel(tail, exp_tail_times(xc, sel(tail, z, zero<V>())), near);
  }
  ACTLAB_INLINE V df(V x) const {
    const V z = clamp(beta * x, V(-kExpUnderflow), V(kExpUnderflow)), tail = z < V(kTail);
    V near;
    if constexpr (is_float<V>) {
      const auto [num, den, p, e] = parts(z);
      const V tp = ((V(4) * z) * (e * p)) * (V(1) + e);  // z T' D^2
      // z < 0: (N D + z T' D^2) / D^2; z >= 0: 3/5 + e (4 z P (1 + e) - (8/5 + 6e/5) D) / D^2 (T -> 3/5, one rounding)
      const V pos = fma(e, fma((V(4) * z) * p, V(1) + e, (fma(V(1.2f), e, V(1.6f)) * den).neg()) / (den * den),
                        V(static_cast<float>(0.6 - static_cast<double>(0.6f))));
      const V sum = sel(z < zero<V>(), fma(num, den, tp) / (den * den), pos + V(0.6f));
      near = slope_near_zero(z, sum, kSmishZeroHi, kSmishZeroLo, kSmishSlopeZero);
    } else {  // the declaration's T + z T_s sigma'(z)
      const V one(1), sg = sigmoid(z), q = sg * (sg + V(2)), d = q + V(2);
      near = q / d + (z * ((V(4) * (one + sg)) / (d * d))) * sigmoid_prime(z);
    }
    if (any(tail)) near = sel(tail, exp_tail_times(V(1) + z, sel(tail, z, zero<V>())), near);
    if (!exact) {  // float32: g(z + lo) = g (1 + g'/g lo), g'/g ~ (2 + z)/(1 + z) where lo matters (z < -3)
      const V far = z < V(-3);
      near = sel(far, fma(near * ((V(2) + z) / (V(1) + z)), z_lo(x), near), near);
    }
    return alpha * near;
  }
  ACTLAB_INLINE V d2f(V x) const {  // alpha beta sigma'(2 T_s + z (T_ss sigma' + T_s (sigma(-z) - sigma(z))))
    const V one(1), z = clamp(beta * x, V(-kExpUnderflow), V(kExpUnderflow));
    const V s = sigmoid(z), ds = sigmoid_prime(z), q = s * (s + V(2)), d = q + V(2);
    const V ts = V(4) * (one + s) / (d * d), tss = V(4) * (one - V(3) * (one + s) * (one + s)) / ((d * d) * d);
    return (alpha * beta) * ds * (V(2) * ts + z * (tss * ds + ts * (sigmoid(z.neg()) - s)));
  }
};

// log1p(s), s = sigma(x) in [0, 1]: float32 by log1p_unit (a polynomial; Sleef's log1p costs 2.5x), float64
// Sleef's (torch's)
template <class V>
ACTLAB_INLINE V log1p_sigmoid(const V& s) {
  if constexpr (is_float<V>) {
    return log1p_unit(s);
  } else {
    return s.log1p();
  }
}

// Logish: x log(1 + sigma(x)), x e^x scaled below -64;  f' = log1p(sigma) + x sigma' / (1 + sigma)
template <class V>
struct Logish : Act<V> {
  ACTLAB_INLINE V f(V x) const {
    const V w = at::vec::clamp_min(x, V(-kExpUnderflow)), near = w * log1p_sigmoid(sigmoid(w)), tail = w < V(kTail);
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(w, sel(tail, w, zero<V>())), near);
  }
  ACTLAB_INLINE V df(V x) const {
    const V w = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), s = sigmoid(w);
    const V sum = log1p_sigmoid(s) + (w * sigmoid_prime(w)) / (V(1) + s), tail = w < V(kTail);
    const V near = slope_near_zero(w, sum, kLogishZeroHi, kLogishZeroLo, kLogishSlopeZero);
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(V(1) + w, sel(tail, w, zero<V>())), near);
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), s = sigmoid(xc), r = sigmoid_prime(xc) / (V(1) + s);
    return r * ((V(2) + xc * (sigmoid(xc.neg()) - s)) - xc * r);
  }
};

// GoLU: x alpha e^{-E}, E = beta e^{-gamma x};  f' = alpha e^{-E}(1 + gamma x E);  f'' = gamma alpha e^{-E} E (2 - z + z E),
// z = gamma x. float32: e^{-E} amplifies the rounding of E E times, so E = beta e^{-gamma x} is carried as hi + lo
// (gamma x's rounding, exp_split's e^y = eh + el, beta's product) into mul_exp's exponent
template <class V>
struct GoLU : Act<V> {
  V alpha, beta, beta_lo, gamma, gamma_lo, lo_x, hi_x;
  GoLU(double a, double b, double g)
      : alpha(this->c(a)), beta(this->c(b)), beta_lo(this->c(b - static_cast<double>(static_cast<Scalar<V>>(b)))),
        gamma(this->c(g)), gamma_lo(this->c(g - static_cast<double>(static_cast<Scalar<V>>(g)))),
        lo_x(this->c((std::log(b) - std::log(kExpUnderflow)) / g)), hi_x(this->c((std::log(b) + kExpUnderflow) / g)) {}
  // E = Eh + El for x clamped to [lo_x, hi_x] (float32)
  ACTLAB_INLINE std::pair<V, V> big_e(const V& xc) const {
    const V y = (gamma * xc).neg(), y_lo = (fma(gamma, xc, y) + gamma_lo * xc).neg();  // -gamma x = y + y_lo
    const V yc = clamp(y, V(-120.0f), V(88.0f));
    const auto [eh, el] = exp_split(yc);
    const V eh_hi = beta * eh;
    return {eh_hi, (fma(beta, eh, eh_hi.neg()) + beta_lo * eh) + beta * fma(eh, y_lo, el)};
  }
  ACTLAB_INLINE V f(V x) const {
    if constexpr (is_float<V>) {
      const V xc = at::vec::clamp_min(x, lo_x);
      const auto [e, e_lo] = big_e(at::vec::clamp_max(xc, hi_x));  // finite: e^{-E} = 1 above
      const V y = copysign(mul_exp(alpha * xc, e.neg(), e_lo.neg()), xc);  // x's sign, -0 too
      return sel(x > hi_x, alpha * x, y);
    } else {  // the declaration's (e^{-gamma x} by exp_libm: e^{-E} amplifies its rounding E times)
      const V w = at::vec::clamp_min(x, lo_x);
      return alpha * times_exp_neg(w, beta * exp_libm((gamma * w).neg()));
    }
  }
  ACTLAB_INLINE V df(V x) const {
    const V xc = clamp(x, lo_x, hi_x);
    if constexpr (is_float<V>) {
      const auto [e, e_lo] = big_e(xc);
      return mul_exp(alpha * fma(gamma * xc, e, V(1.0f)), e.neg(), e_lo.neg());
    } else {
      const V e = beta * exp_libm((gamma * xc).neg());
      return alpha * times_exp_neg(V(1) + (gamma * xc) * e, e);
    }
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V xc = clamp(x, lo_x, hi_x), z = gamma * xc;
    V e;
    if constexpr (is_float<V>) {
      e = beta * vexp(z.neg());
    } else {
      e = beta * exp_libm(z.neg());
    }
    return (gamma * alpha) * times_exp_neg(e * ((V(2) - z) + z * e), e);
  }
  // a e^{-e} for 0 <= e <= 800 (_times_exp_neg): scaled out of the subnormals beyond e = 64
  ACTLAB_INLINE static V times_exp_neg(const V& a, const V& e) {
    const V tail = e > V(-kTail), near = a * vexp(e.neg());
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(a, sel(tail, e.neg(), zero<V>())), near);
  }
};

inline constexpr double kErfFlat = 40.0;  // erf(u) = 1, u e^{-u^2} = 0 in float64 for u >= 40

inline constexpr float kErfTail = -60.0f;  // b x below: e^{bx} by mul_exp (subnormal results); above every term is normal

// ErfAct: x erf(u), u = a e^{bx};  f' = erf(u) + (2/sqrt pi) b x u e^{-u^2};  f'' = (2/sqrt pi) b u e^{-u^2}(2 + bx(1 - 2u^2)).
// float32, one e^{bx} and one e^{-u^2} per element, both normal floats (no Sleef erf/expm1: both cost several exps):
// y = b x as y + y_lo, u = a e^{y + y_lo} rounded once (mul_exp's reduction, a's rounding folded into y_lo: about 1 ulp,
// which erf(u) does not amplify), E = e^{-u^2} (f' only; u clamped to [2^-20, 9], its square as hi + lo),
// c = 2/sqrt pi as hi + lo. For u < 1, erf(u) = c u Q(v), Q = 1 + v P(v) (v = u^2), and f' = c u B with the bracket
// B = Q + y e^{-v}, which cancels near the zero of f', as (1 + y) + ((Q - 1) + y expm1(-v)) + y_lo e^{-v} (expm1 by its
// polynomial below ln 2, E - 1 above). For u >= 1, erf(u) = 1 - erfc(u) by SERF's polynomial (no exponential, no
// division), f' = erf(u) + c E (y u + y_lo u). Below b x = -60 (f subnormal further down)
// c a e^{y + y_lo} by mul_exp, one rounding. float64: the declaration's, e^{bx} by exp_libm
template <class V>
struct ErfAct : Act<V> {
  V a, a_rel, b, b_lo, lo_x, hi_x, two_a, two_a_rel, c_b;
  double b64;
  ErfAct(double av, double bv)
      : a(this->c(av)), a_rel(this->c((av - static_cast<double>(static_cast<Scalar<V>>(av))) / av)), b(this->c(bv)),
        b_lo(this->c(bv - static_cast<double>(static_cast<Scalar<V>>(bv)))),
        lo_x(this->c((-kExpUnderflow - std::log(av)) / bv)), hi_x(this->c((std::log(kErfFlat) - std::log(av)) / bv)),
        two_a(this->c(kTwoOverSqrtPi * av)),
        two_a_rel(this->c((kTwoOverSqrtPi * av - static_cast<double>(static_cast<Scalar<V>>(kTwoOverSqrtPi * av))) /
                          (kTwoOverSqrtPi * av))),
        c_b(this->c(kTwoOverSqrtPi * bv)), b64(bv) {}
  // float32, xc finite: b x = y + y_lo, u = a e^{y + y_lo} (about 1 ulp for b x >= -60), c u = p + p_lo
  struct Parts {
    V y, y_lo, uh, p, p_lo;
  };
  ACTLAB_INLINE Parts parts(const V& xc) const {
    const V y = b * xc, y_lo = fma(b, xc, y.neg()) + b_lo * xc;
    const V uh = mul_exp_in_range(a, clamp(y, V(kErfTail), V(88.0f)), y_lo + a_rel);
    const V p = kTwoOverSqrtPiHi * uh;
    return {y, y_lo, uh, p, fma(kTwoOverSqrtPiHi, uh, p.neg()) + kTwoOverSqrtPiLo * uh};
  }
  // erf(u) for u >= 1: 1 - erfc(u) by SERF's kSerfErfcMid (u clamped to [1, 3.92]: erf = 1 beyond)
  ACTLAB_INLINE static V erf_big(const V& u) {
    return V(1.0f) - horner(clamp(u, V(1.0f), V(3.92f)) - V(2.46f), kSerfErfcMid);
  }
  ACTLAB_INLINE V f(V x) const {
    if constexpr (is_float<V>) {
      const V xc = at::vec::clamp_min(x, lo_x);
      const Parts s = parts(at::vec::clamp_max(xc, hi_x));
      const V uc = clamp(s.uh, V(9.5367431640625e-07f), V(1.0f)), v = uc * uc;
      const V q = fma(v, horner(v, kErfOverU), V(1.0f)), below = s.uh < V(1.0f), small = fma(s.p, q, s.p_lo * q);
      V out = xc * (all(below) ? small : sel(below, small, erf_big(s.uh)));
      const V tail = s.y < V(kErfTail);
      if (any(tail)) out = sel(tail, mul_exp(two_a * xc, s.y, s.y_lo + two_a_rel), out);
      return out | sign_bit(xc);  // x's sign, -0 too (erf(u) > 0)
    } else {
      const V w = at::vec::clamp_min(x, lo_x);
      return w * (a * exp_libm(b * w)).erf();
    }
  }
  // f' from E = e^{-u^2} (u clamped to [2^-20, 9], its square as hi + lo; to 1 ulp): c u B below u = 1 (p_lo
  // dropped: f' has its 16-ulp budget), erf(u) + c E (y u + y_lo u) above
  ACTLAB_INLINE V df(V x) const {
    const V xc = clamp(x, lo_x, hi_x);
    if constexpr (is_float<V>) {
      const Parts s = parts(xc);
      const V one(1.0f), y = s.y;
      const V uc = clamp(s.uh, V(9.5367431640625e-07f), V(9.0f)), v = uc * uc, vl = fma(uc, uc, v.neg());
      const V e = mul_exp_nonpos(one, v.neg(), vl.neg());
      const V qm = v * horner(v, kErfOverU);  // Q - 1
      const V em1 = sel(v <= V(0.69314718f), fma(v * v, horner(v.neg(), kExpm1Small), v.neg()), e - one);
      const V bracket = ((one + y) + fma(y, em1, qm)) + s.y_lo * (one + em1);
      const V small = s.p * bracket, below = s.uh < one;
      V out = small;
      if (!all(below)) {
        const V big = fma(kTwoOverSqrtPiHi * e, fma(y, s.uh, s.y_lo * s.uh), erf_big(s.uh));
        out = sel(below, small, sel(x > hi_x, one, big));
      }
      const V tail = y < V(kErfTail);
      if (any(tail)) out = sel(tail, mul_exp(two_a * ((one + y) + s.y_lo), y, s.y_lo + two_a_rel), out);
      return out;
    } else {
      const V u = a * exp_libm(b * xc), gate = (a * exp_libm(b * at::vec::clamp_min(x, lo_x))).erf();
      return gate + ((V(kTwoOverSqrtPi * b64) * xc) * u) * vexp((u.neg()) * u);
    }
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V xc = clamp(x, lo_x, hi_x);
    V u;
    if constexpr (is_float<V>) {
      u = a * vexp(b * xc);
    } else {
      u = a * exp_libm(b * xc);
    }
    return (c_b * u) * vexp(u.neg() * u) * (V(2) + (b * xc) * (V(1) - (V(2) * u) * u));
  }
};

template struct Elementwise<SiLU>;
template struct Elementwise<Swish, double>;
template struct Elementwise<QuickGELU>;
template struct Elementwise<GELU, c10::string_view>;
template struct Elementwise<Mish>;
template struct Elementwise<Hardswish>;
template struct Elementwise<SmoothHardswish>;
template struct Elementwise<SERF>;
template struct Elementwise<HardMish>;
template struct Elementwise<ESwish, double>;
template struct Elementwise<FlattenTSwish, double>;
template struct Elementwise<ELiSH>;
template struct Elementwise<HardELiSH>;
template struct Elementwise<LiSHT>;
template struct Elementwise<TanhExp>;
template struct Elementwise<TeLU>;
template struct Elementwise<Smish, double, double>;
template struct Elementwise<Logish>;
template struct Elementwise<GoLU, double, double, double>;
template struct Elementwise<ErfAct, double, double>;
template struct Elementwise<ClippedGELU, double, double>;
template struct Elementwise<Phish>;
template struct SplitGate<SiLU>;
template struct SplitGate<GELU, c10::string_view>;

// GammaAct's kernels for timm's names of this family (scaled.h)
ACTLAB_SCALED(GELU, kGeluNone)
ACTLAB_SCALED(GELU, kGeluTanh)
ACTLAB_SCALED(QuickGELU)
ACTLAB_SCALED(SiLU)
ACTLAB_SCALED(Mish)
ACTLAB_SCALED(Hardswish)
ACTLAB_SCALED(HardMish)

// ==== learnable (kinds.Parametric) kernels: parametric_impl.h =====================================
// SinLU (gated.py's _sinlu): f = u sigma(x), u = x + a sin(bx), x clipped at -800;
// df/dx = u_x sigma + u sigma', u_x = 1 + ab cos(bx) = (1 - ab) + 2ab cos^2(bx/2), cos^2(t/2) =
// (1 + cos t)/2, or sin^2 t / (2(1 - cos t)) where cos t < 0 (no cancellation: the declaration's);
// df/da = sin(bx) sigma, df/db = a x cos(bx) sigma. sin, cos: trig.h; sigma, sigma': act.h
// (float32 without float64; below x = -80, where sigma = sigma' = e^x, each product is one
// mul_exp: rounded once into the subnormals).
template <class V>
struct SinLU : Act<V> {
  static constexpr std::size_t K = 2;
  using S = Scalar<V>;
  V a, b, ab;
  explicit SinLU(const V* w) : a(w[0]), b(w[1]), ab(w[0] * w[1]) {}
  ACTLAB_INLINE V f(V x) const {
    const V xc = at::vec::clamp_min(x, V(S(-800))), t = b * xc;
    const V sn = sin_of_product(b, xc, t);
    V y = (xc + a * sn) * sigmoid(xc);
    if constexpr (is_float<V>) {
      const V far = xc < V(-80.0f);  // sigma(x) = e^x to float32: u e^x rounded once (subnormals)
      if (any(far)) y = sel(far, mul_exp(xc + a * sn, xc, zero<V>()), y);
    }
    return sel(x == V(std::numeric_limits<S>::infinity()), x, y);
  }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    const V one(S(1)), xc = at::vec::clamp_min(x, V(S(-800))), t = b * xc;
    const auto [sn, cs] = sin_cos_of_product(b, xc, t);
    const V half_cos2 = sel(cs >= zero<V>(), one + cs, (sn * sn) / (one - cs));  // 2 cos^2(t/2)
    const V ux = (one - ab) + ab * half_cos2;
    V fa, fb, fx;
    if constexpr (is_float<V>) {
      V s;
      std::tie(fx, s) = df_float32(xc, sn, cs, ux);
      fa = sn * s;
      fb = ((a * xc) * cs) * s;
      const V far = xc < V(-80.0f);  // sigma = sigma' = e^x to float32: each product rounded once
      if (any(far)) {
        fa = sel(far, mul_exp(sn, xc, zero<V>()), fa);
        fb = sel(far, mul_exp((a * xc) * cs, xc, zero<V>()), fb);
        fx = sel(far, mul_exp(ux + (xc + a * sn), xc, zero<V>()), fx);
      }
    } else {
      const V s = sigmoid(xc), u = xc + a * sn;
      fa = sn * s;
      fb = ((a * xc) * cs) * s;
      fx = ux * s + u * sigmoid_prime(xc);
    }
    gw[0] = g * fa;
    gw[1] = g * fb;
    return g * fx;
  }
  // float32 df/dx = u_x sigma + u sigma' in double-float (it cancels near the zeros of f', 13-fold
  // at x = -3.05 for b = 2), and sigma: sigma = q or r, sigma' = q r with r = 1/(1 + e), q = e/(1 + e),
  // e = e^-|x| as hi + lo (exp_split; one division: q = e r and the low parts by residuals times r);
  // u = x + a sin(bx) and u_x = 1 + ab cos(bx) (where cos >= 0; else the declaration's form) as
  // hi + lo by FMA residuals; what is left is Sleef's sin and cos
  ACTLAB_INLINE std::pair<V, V> df_float32(const V& x, const V& sn, const V& cs, const V& ux_plain) const {
    const V one(1.0f);
    const auto [eh, el] = exp_split(clamp(x.abs().neg(), V(-120.0f), zero<V>()));
    const V dh = one + eh, dl = ((one - dh) + eh) + el;  // 1 + e (Fast2Sum)
    const V rh = one / dh, rl = (fma(rh.neg(), dh, one) - rh * dl) * rh;
    const V qh = eh * rh, ql = ((fma(qh.neg(), dh, eh) + el) - qh * dl) * rh;
    const V dsh = qh * rh, dsl = fma(qh, rh, dsh.neg()) + (qh * rl + ql * rh);  // sigma'
    const V pos = x >= zero<V>(), sh = sel(pos, rh, qh), sl = sel(pos, rl, ql);
    const V ph = a * sn, uh = x + ph, b1 = uh - x;
    const V ul = ((x - (uh - b1)) + (ph - b1)) + fma(a, sn, ph.neg());
    const V abl = fma(a, b, ab.neg()), vh = fma(ab, cs, one), vl = (fma(ab, cs, one - vh)) + abl * cs;
    const V use = cs >= zero<V>(), uxh = sel(use, vh, ux_plain), uxl = sel(use, vl, zero<V>());
    const V p1 = uxh * sh, p1l = fma(uxh, sh, p1.neg()) + (uxh * sl + uxl * sh);
    const V p2 = uh * dsh, p2l = fma(uh, dsh, p2.neg()) + (uh * dsl + ul * dsh);
    const V sum = p1 + p2, b2 = sum - p1, err = (p1 - (sum - b2)) + (p2 - b2);
    return {sum + (err + (p1l + p2l)), sh + sl};
  }
};
template struct ParametricOps<SinLU, std::make_index_sequence<2>>;

}  // namespace actlab
